package http

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes the REST API; TestOpenAPIMatchesRoutes keeps it true.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDocument)
	return err
}
