package http

import (
	"net/http"
	"time"

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
	if err := s.Users.UpdateUser(r.Context(), &in.User, in.Password); err != nil {
		return err
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

func (s *Server) apiMyTokens(w http.ResponseWriter, r *http.Request) error {
	tokens, err := s.Users.FindAPITokens(r.Context(), medsec.UserFromContext(r.Context()).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

// tokenInput asks for an API token: a label and a lifetime in days (0: the default).
type tokenInput struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"`
}

func (s *Server) apiMyTokenCreate(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	token, info, err := s.Users.IssueAPIToken(r.Context(), medsec.UserFromContext(r.Context()).ID, in.Name, time.Duration(in.ExpiresInDays)*24*time.Hour)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		Token string `json:"token"`
		*medsec.APIToken
	}{token, info})
	return nil
}

func (s *Server) apiUserTokens(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	tokens, err := s.Users.FindAPITokens(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

func (s *Server) apiTokenDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Users.DeleteAPIToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
