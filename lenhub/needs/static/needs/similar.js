/* lenhub: "similar needs" while a need is written, without inline script.
 *
 * The need form carries data-similar-url (the fragment endpoint) and, when editing,
 * data-similar-exclude (the need itself). As the reporter types the title or the
 * problem, this asks the server (after a pause: debounced) for needs the reporter may
 * see that look similar, and puts the answer in #similar-needs. Without JavaScript the
 * form's "Check for similar needs" button does the same by a normal submit.
 */
(function () {
  'use strict'

  var DELAY = 600
  var form = document.querySelector('form[data-similar-url]')
  if (!form) return
  var target = document.getElementById('similar-needs')
  var fields = ['title', 'problem'].map(function (name) { return form.elements[name] })
  if (!target || fields.some(function (field) { return !field })) return
  var timer = null
  var last = ''

  function ask () {
    var text = fields.map(function (field) { return field.value }).join(' ').trim()
    if (text === last || text.length < 4) return
    last = text
    var params = new URLSearchParams({ text: text })
    var exclude = form.getAttribute('data-similar-exclude')
    if (exclude) params.set('exclude', exclude)
    fetch(form.getAttribute('data-similar-url') + '?' + params.toString(), {
      credentials: 'same-origin',
      headers: { Accept: 'text/html' }
    }).then(function (response) {
      return response.ok ? response.text() : ''
    }).then(function (html) {
      if (text === last) target.innerHTML = html
    }).catch(function () { /* the button still works */ })
  }

  fields.forEach(function (field) {
    field.addEventListener('input', function () {
      clearTimeout(timer)
      timer = setTimeout(ask, DELAY)
    })
  })
}())
