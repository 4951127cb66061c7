package http

import (
	"net/http"
	"net/url"
	"strconv"
)

// pager is one page of a long list: which page, the items it shows and the query string
// that keeps the list's filters on the other pages and in its exports.
type pager struct {
	// Query is the request's query without "page" (and "format").
	Query url.Values
	// Page counts from 1; Pages is at least 1.
	Page, Pages int
	// First and Last number the page's items from 1 (0 and 0 for an empty list).
	First, Last, Total int
}

// newPager returns the page of total items that the request's "page" asks for, size to a
// page; a page out of range is the nearest one.
func newPager(r *http.Request, total, size int) pager {
	q := r.URL.Query()
	q.Del("page")
	q.Del("format")
	p := pager{Query: q, Pages: max((total+size-1)/size, 1), Total: total}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	return p.at(page, size)
}

// pageOf returns the page's part of a list of p.Total items.
func pageOf[T any](p pager, items []T) []T {
	if p.Total == 0 {
		return items[:0]
	}
	return items[p.First-1 : p.Last]
}

// Prev is the preceding page, 0 on the first.
func (p pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

// Next is the following page, 0 on the last.
func (p pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// at returns the pager moved to another page of the same list.
func (p pager) at(page, size int) pager {
	p.Page = min(max(page, 1), p.Pages)
	if p.Total > 0 {
		p.First = (p.Page-1)*size + 1
		p.Last = min(p.Page*size, p.Total)
	}
	return p
}
