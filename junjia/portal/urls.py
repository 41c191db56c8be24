"""Public pages under /public/: no log-in, rate-limited (see views.public)."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("guides/", views.guide_list, name="guide_list"),
    path("guides/<slug:code>/", views.guide_detail, name="guide_detail"),
    path("book/", views.book_station, name="book_station"),
    path("book/<int:pk>/", views.book, name="book"),
    path("book/done/", views.book_done, name="book_done"),
    path("appointment/", views.appointment_lookup, name="appointment_lookup"),
    path("appointment/manage/", views.appointment_manage, name="appointment_manage"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("progress/", views.case_progress, name="case_progress"),
    path("petition-progress/", views.petition_progress, name="petition_progress"),
    path("display/", views.display, name="display"),
]
