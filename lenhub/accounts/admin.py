from django.contrib import admin

from lenhub.accounts.models import Country, Organisation, OrganisationDomain


class DomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("name",)
    inlines = [DomainInline]


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_eu_member", "is_partner")
    list_filter = ("is_eu_member", "is_partner")
