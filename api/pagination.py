from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 500


class ApiCursorPagination(CursorPagination):
    """Stable pages over large collections: `?page_size=` up to MAX_PAGE_SIZE, then `next`/`previous` links."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "pk"
