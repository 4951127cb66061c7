package http

import "medsec"

// RouteInfo is an API route as tests see it.
type RouteInfo struct {
	Method, Path string
	Perm         medsec.Permission
	Public       bool
}

// APIRoutes lists the server's real API routes, for tests outside the package.
func APIRoutes() []RouteInfo {
	var out []RouteInfo
	for _, r := range apiRoutes(&Server{}) {
		out = append(out, RouteInfo{r.Method, r.Path, r.Perm, r.Public})
	}
	return out
}

// OpenAPIDocument returns the served OpenAPI document.
func OpenAPIDocument() []byte { return openAPIDocument }

// TemplatesFS exposes the embedded views.
var TemplatesFS = templatesFS

// GapPageSize is how many open items a gap report page lists, for tests outside the package.
const GapPageSize = gapPageSize
