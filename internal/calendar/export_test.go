package calendar

import "net/http"

// ServeCalendarForTest serves the calendar page without the router.
func (h *Handler) ServeCalendarForTest(w http.ResponseWriter, r *http.Request) { h.page(w, r) }
