from django.contrib import admin

from lenhub.networks.models import Group, Network


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("acronym", "name")
    inlines = [GroupInline]
