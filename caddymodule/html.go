package caddymodule

// bodyFor returns the body transformation for the response, or nil to pass
// the body through untouched.
func (h *Handler) bodyFor(rw *responseWriter) bodyWriter { return nil }
