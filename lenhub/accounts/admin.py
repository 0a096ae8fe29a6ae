from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from lenhub.accounts.models import Country, Organisation, OrganisationDomain
from lenhub.accounts.services import organisation_change_kind


class DomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("name",)
    inlines = [DomainInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        """A change of kind goes through the service: audited, and its people's vetting
        is revoked (not only ignored)."""
        if change and "kind" in form.changed_data:
            new_kind = obj.kind
            obj.kind = form.initial["kind"]
            super().save_model(request, obj, form, change)
            organisation_change_kind(
                organisation=obj,
                kind=new_kind,
                actor=request.user,  # type: ignore[arg-type]
            )
            return
        super().save_model(request, obj, form, change)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_eu_member", "is_partner")
    list_filter = ("is_eu_member", "is_partner")
