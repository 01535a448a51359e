from django.urls import path

from systems.urls import crud

from . import views

app_name = "waves"

urlpatterns = [
    *crud("waves", "wave", views.WaveListView, views.WaveDetailView, views.WaveEditView, views.WaveDeleteView),
    path("waves/autocomplete/", views.WaveAutocompleteView.as_view(), name="wave_autocomplete"),
    path("waves/<int:pk>/state/", views.WaveSetStateView.as_view(), name="wave_set_state"),
]
