package http

import (
	"net/http"

	"medsec"
)

func (s *Server) apiUserList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Users.FindUsers)
}

// userInput is a user as an admin sends it: the user and, on creation, its password.
type userInput struct {
	medsec.User
	Password string `json:"password,omitempty"`
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := s.Users.CreateUser(r.Context(), &in.User, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &in.User)
	return nil
}

func (s *Server) apiUserGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiUserUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in userInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	in.ID = id
	if err := s.Users.UpdateUser(r.Context(), &in.User); err != nil {
		return err
	}
	if in.Password != "" {
		if err := s.Users.SetPassword(r.Context(), id, in.Password); err != nil {
			return err
		}
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.Users.FindSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) apiSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	var set medsec.Settings
	if err := readJSON(r, &set); err != nil {
		return err
	}
	if err := s.Users.UpdateSettings(r.Context(), set); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}
