/* lenhub: security keys (WebAuthn) without inline script.
 *
 * lenhub's Content-Security-Policy allows scripts from lenhub's own origin only, never
 * inline code, so the pages that use a security key carry no script of their own. They
 * mark a form instead, and this file (loaded from /static/) does the rest:
 *
 *   <form data-webauthn="create|get|login"
 *         data-webauthn-options="ID"    the JSON data block with allauth's options
 *                                       (Django's json_script: data, never executed)
 *         data-webauthn-error="ID">     an element (role="alert") shown if it fails
 *
 * On submit it runs the WebAuthn ceremony with the options allauth prepared (create a
 * credential to register a key; get an assertion to use one), puts the result in the
 * form's hidden "credential" field and submits the form to allauth, which verifies it.
 * "login" (passkey sign-in, not enabled in lenhub) fetches its options from the form's
 * action, as allauth's own script does.
 *
 * An element with data-webauthn-offer="ID of such a form" stays hidden unless this
 * browser can use security keys and, for "get", the options name at least one key of
 * the account. An element with data-webauthn-unsupported is shown, and the form's
 * buttons are disabled, when the browser cannot use security keys at all.
 *
 * The binary <-> JSON conversion is allauth's bundled copy of GitHub's webauthn-json
 * (mfa/js/webauthn-json.js, window.webauthnJSON), which must load first.
 */
(function () {
  'use strict'

  function byId (id) {
    return id ? document.getElementById(id) : null
  }

  function readOptions (form) {
    const node = byId(form.dataset.webauthnOptions)
    return node ? JSON.parse(node.textContent) : {}
  }

  function supported () {
    return Boolean(window.webauthnJSON && window.webauthnJSON.supported())
  }

  function setError (form, error) {
    const box = byId(form.dataset.webauthnError)
    if (box) {
      box.hidden = !error
    }
    if (error && window.console) {
      window.console.warn('lenhub: the security key ceremony did not complete:', error)
    }
  }

  /* allauth prepares creation options for a second-factor key; a form with a
     "passwordless" checkbox (passkeys, not enabled in lenhub) asks for a resident,
     user-verifying key instead, as allauth's own script does. */
  function creationOptions (form) {
    const options = JSON.parse(JSON.stringify(readOptions(form).creation_options))
    const passwordless = form.elements.namedItem('passwordless')
    if (passwordless && passwordless.type === 'checkbox') {
      const selection = options.publicKey.authenticatorSelection
      selection.residentKey = passwordless.checked ? 'required' : 'discouraged'
      selection.requireResidentKey = passwordless.checked
      if (passwordless.checked) {
        selection.userVerification = 'required'
      }
    }
    return options
  }

  async function loginOptions (form) {
    const response = await fetch(form.action, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    if (!response.ok) {
      throw new Error('no passkey options from the server (' + response.status + ')')
    }
    return (await response.json()).request_options
  }

  async function ceremony (form) {
    switch (form.dataset.webauthn) {
      case 'create':
        return window.webauthnJSON.create(creationOptions(form))
      case 'get':
        return window.webauthnJSON.get(readOptions(form).request_options)
      case 'login':
        return window.webauthnJSON.get(await loginOptions(form))
      default:
        throw new Error('unknown WebAuthn ceremony: ' + form.dataset.webauthn)
    }
  }

  function knowsAKey (form) {
    if (form.dataset.webauthn !== 'get') {
      return true
    }
    const options = readOptions(form).request_options
    const allowed = options && options.publicKey && options.publicKey.allowCredentials
    return Boolean(allowed && allowed.length)
  }

  function setUp (form) {
    const credential = form.elements.namedItem('credential')
    if (!supported() || !credential) {
      form.querySelectorAll('button').forEach(function (button) { button.disabled = true })
      document.querySelectorAll('[data-webauthn-unsupported]').forEach(function (node) {
        node.hidden = false
      })
      return
    }
    let busy = false
    form.addEventListener('submit', async function (event) {
      event.preventDefault()
      if (busy) {
        return
      }
      busy = true
      setError(form, null)
      try {
        credential.value = JSON.stringify(await ceremony(form))
      } catch (error) {
        busy = false
        setError(form, error)
        return
      }
      form.submit()
    })
  }

  function start () {
    document.querySelectorAll('form[data-webauthn]').forEach(setUp)
    document.querySelectorAll('[data-webauthn-offer]').forEach(function (offer) {
      const form = byId(offer.dataset.webauthnOffer)
      offer.hidden = !(form && supported() && knowsAKey(form))
    })
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start)
  } else {
    start()
  }
})()
