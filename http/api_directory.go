package http

import (
	"net/http"

	"medsec"
)

// errNoDirectory is the answer of the directory routes on a server without directory
// settings.
func errNoDirectory() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Directory login is not available on this server.", Key: "err.directory_off"}
}

func (s *Server) apiDirectoryGet(w http.ResponseWriter, r *http.Request) error {
	if s.Directory == nil {
		return errNoDirectory()
	}
	set, err := s.Directory.FindDirectorySettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) apiDirectoryUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.Directory == nil {
		return errNoDirectory()
	}
	var set medsec.DirectorySettings
	if err := readJSON(r, &set); err != nil {
		return err
	}
	if err := s.Directory.UpdateDirectorySettings(r.Context(), set); err != nil {
		return err
	}
	return s.apiDirectoryGet(w, r)
}

// directoryLookupInput names the login to look up in the directory.
type directoryLookupInput struct {
	Username string `json:"username"`
}

func (s *Server) apiDirectoryLookup(w http.ResponseWriter, r *http.Request) error {
	if s.Directory == nil {
		return errNoDirectory()
	}
	var in directoryLookupInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	res, err := s.Directory.LookupDirectoryUser(r.Context(), in.Username)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
