package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/auth"
	"medsec/sqlstore"
)

const password = "a long enough password"

func TestLoginAndLockout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		users := sqlstore.NewUserService(db)
		generated, err := users.EnsureAdmin(system, "")
		if err != nil || len(generated) != 20 {
			t.Fatalf("EnsureAdmin generated %q, %v", generated, err)
		}
		if again, _ := users.EnsureAdmin(system, ""); again != "" {
			t.Error("EnsureAdmin made a second admin")
		}
		u, err := users.Authenticate(system, "ADMIN ", generated, "")
		if err != nil || u.Username != "admin" || u.Role != medsec.RoleAdmin {
			t.Fatalf("login = %+v, %v", u, err)
		}
		for i := range 5 {
			_, err := users.Authenticate(system, "admin", "wrong", "")
			want := medsec.KeyLoginFailed
			if i == 4 {
				want = medsec.KeyLocked
			}
			if e, ok := err.(*medsec.Error); !ok || e.Key != want {
				t.Fatalf("failure %d: err = %v, want %s", i+1, err, want)
			}
		}
		if _, err := users.Authenticate(system, "admin", generated, ""); err.(*medsec.Error).Key != medsec.KeyLocked {
			t.Errorf("right password while locked: err = %v", err)
		}
		db.Now = func() time.Time { return testNow.Add(16 * time.Minute) }
		if _, err := users.Authenticate(system, "admin", generated, ""); err != nil {
			t.Errorf("login after lockout expired: %v", err)
		}
		if _, err := users.Authenticate(system, "nobody", "x", ""); err.(*medsec.Error).Key != medsec.KeyLoginFailed {
			t.Errorf("unknown user: err = %v", err)
		}
		entries, _, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionLoginFailed})
		if len(entries) != 7 {
			t.Errorf("%d failed logins audited, want 7", len(entries))
		}
		for _, e := range entries {
			if e.Detail == "" || e.Username == "" {
				t.Errorf("failed login audit lacks detail: %+v", e)
			}
		}
	})
}

func TestTOTPEnrolment(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		users := sqlstore.NewUserService(db)
		u := &medsec.User{Username: "ciso", Role: medsec.RoleSecurityOfficer}
		if err := users.CreateUser(system, u, password); err != nil {
			t.Fatal(err)
		}
		ctx := as(u)
		secret, _, err := users.BeginTOTP(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := users.EnableTOTP(ctx, "000000"); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("wrong enrolment code: err = %v", err)
		}
		code, _ := auth.TOTPCode(secret, testNow)
		if err := users.EnableTOTP(ctx, code); err != nil {
			t.Fatal(err)
		}
		if _, err := users.Authenticate(system, "ciso", password, ""); err.(*medsec.Error).Key != medsec.KeyTOTPRequired {
			t.Errorf("login without code: err = %v", err)
		}
		// The enrolment code's step is used: the next login needs the next step's code.
		db.Now = func() time.Time { return testNow.Add(30 * time.Second) }
		next, _ := auth.TOTPCode(secret, testNow.Add(30*time.Second))
		if _, err := users.Authenticate(system, "ciso", password, next); err != nil {
			t.Fatalf("login with code: %v", err)
		}
		if _, err := users.Authenticate(system, "ciso", password, next); err == nil {
			t.Error("a TOTP code was accepted twice")
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		users := sqlstore.NewUserService(db)
		u := &medsec.User{Username: "soc.wang", Role: medsec.RoleSOCAnalyst}
		if err := users.CreateUser(system, u, password); err != nil {
			t.Fatal(err)
		}
		token, err := users.CreateSession(system, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := users.FindUserBySession(system, token); err != nil || got.ID != u.ID {
			t.Fatalf("session user = %v, %v", got, err)
		}
		db.Now = func() time.Time { return testNow.Add(61 * time.Minute) }
		if _, err := users.FindUserBySession(system, token); medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			t.Errorf("idle session: err = %v, want unauthorized", err)
		}
		api, err := users.CreateAPIToken(as(u), u.ID, "siem")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := users.FindUserByAPIToken(system, api); err != nil || got.Username != "soc.wang" {
			t.Errorf("token user = %v, %v", got, err)
		}
		if _, err := users.FindUserByAPIToken(system, api+"x"); medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			t.Errorf("wrong token: err = %v", err)
		}
		other := &medsec.User{ID: 99, Username: "x", Role: medsec.RoleClinicalEngineer}
		if _, err := users.CreateAPIToken(as(other), u.ID, "steal"); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("token for another user: err = %v", err)
		}
		u.Disabled = true
		if err := users.UpdateUser(system, u); err != nil {
			t.Fatal(err)
		}
		if _, err := users.FindUserByAPIToken(system, api); medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			t.Errorf("token of disabled user: err = %v", err)
		}
	})
}

// TestNoPrivilegeEscalation is the review's F3 on the service: an admin limited to the
// branch manages only branch accounts, and no one grants a right it does not hold.
func TestNoPrivilegeEscalation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		hq, br := seedOrg(t, db)
		users := sqlstore.NewUserService(db)
		mk := func(name string, role medsec.Role, sites ...int64) *medsec.User {
			u := &medsec.User{Username: name, Role: role, SiteIDs: sites}
			if err := users.CreateUser(system, u, password); err != nil {
				t.Fatal(err)
			}
			return u
		}
		ciso := mk("ciso", medsec.RoleSecurityOfficer)
		adminBR := mk("admin.br", medsec.RoleAdmin, br.ID)
		socBR := mk("soc.br", medsec.RoleSOCAnalyst, br.ID)
		socHQ := mk("soc.hq", medsec.RoleSOCAnalyst, hq.ID)
		asBR := as(adminBR)
		refused := func(what string, err error) {
			t.Helper()
			if e, ok := err.(*medsec.Error); !ok || e.Code != medsec.EFORBIDDEN || e.Key != "err.beyond_own_access" {
				t.Errorf("%s: err = %v, want EFORBIDDEN err.beyond_own_access", what, err)
			}
		}
		self := *adminBR
		self.SiteIDs = []int64{}
		refused("widen own site limit", users.UpdateUser(asBR, &self))
		self.SiteIDs = []int64{br.ID, hq.ID}
		refused("add a site to itself", users.UpdateUser(asBR, &self))
		refused("create unrestricted admin", users.CreateUser(asBR, &medsec.User{Username: "escalated", Role: medsec.RoleAdmin, SiteIDs: []int64{}}, password))
		refused("create admin of the other site", users.CreateUser(asBR, &medsec.User{Username: "hq.admin", Role: medsec.RoleAdmin, SiteIDs: []int64{hq.ID}}, password))
		refused("reset an unrestricted user's password", users.SetPassword(asBR, ciso.ID, "Tk3!qpZ8wmR4vb-long"))
		refused("reset another site's user's password", users.SetPassword(asBR, socHQ.ID, "Tk3!qpZ8wmR4vb-long"))
		widened := *socBR
		widened.SiteIDs = []int64{br.ID, hq.ID}
		refused("widen a branch user's sites", users.UpdateUser(asBR, &widened))
		moved := *ciso
		moved.SiteIDs = []int64{br.ID}
		refused("narrow an unrestricted user into its own site", users.UpdateUser(asBR, &moved))
		_, err := users.CreateAPIToken(asBR, ciso.ID, "steal")
		refused("mint a token for an unrestricted user", err)
		_, err = users.FindUserByID(asBR, ciso.ID)
		refused("read an unrestricted user", err)
		refused("change organisation-wide settings", users.UpdateSettings(asBR, medsec.Settings{}))

		// What it holds, it may manage.
		if err := users.CreateUser(asBR, &medsec.User{Username: "ce.br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{br.ID}}, password); err != nil {
			t.Errorf("create a branch user: %v", err)
		}
		if err := users.SetPassword(asBR, socBR.ID, "another long enough password"); err != nil {
			t.Errorf("reset a branch user's password: %v", err)
		}
		if _, err := users.CreateAPIToken(asBR, socBR.ID, "siem"); err != nil {
			t.Errorf("token for a branch user: %v", err)
		}
		list, err := users.FindUsers(asBR)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range list {
			got = append(got, u.Username)
		}
		if want := []string{"admin.br", "ce.br", "soc.br"}; !slices.Equal(got, want) {
			t.Errorf("branch admin lists %v, want %v", got, want)
		}
		// A role grants its permissions: only someone holding them all may grant it.
		auditor := &medsec.User{ID: ciso.ID, Role: medsec.RoleAuditor}
		if auditor.Holds(medsec.RoleAdmin, nil, 0) || !adminBR.Holds(medsec.RoleAuditor, []int64{br.ID}, 0) {
			t.Error("Holds: an auditor holds admin, or the branch admin does not hold a branch auditor")
		}
		vendor := &medsec.User{Role: medsec.RoleVendor, VendorID: 1}
		if vendor.Holds(medsec.RoleVendor, nil, 2) || !vendor.Holds(medsec.RoleVendor, nil, 1) {
			t.Error("Holds: a vendor user grants another vendor, or not its own")
		}
		// The unrestricted admin still can.
		if err := users.SetPassword(system, ciso.ID, "a third long enough password"); err != nil {
			t.Errorf("unrestricted admin resets a password: %v", err)
		}
	})
}

// TestNoTokenBeforeMandatoryTOTP: where two-factor is mandatory, a user who has not enrolled
// cannot mint an API token, whatever the caller; once enrolled it can.
func TestNoTokenBeforeMandatoryTOTP(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		users := sqlstore.NewUserService(db)
		u := &medsec.User{Username: "ce.lin", Role: medsec.RoleClinicalEngineer}
		if err := users.CreateUser(system, u, password); err != nil {
			t.Fatal(err)
		}
		if err := users.UpdateSettings(system, medsec.Settings{RequireTOTP: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := users.CreateAPIToken(as(u), u.ID, "x"); err == nil || err.(*medsec.Error).Key != "err.totp_enrol_required" {
			t.Errorf("token before enrolment: err = %v, want err.totp_enrol_required", err)
		}
		secret, _, err := users.BeginTOTP(as(u))
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(secret, testNow)
		if err := users.EnableTOTP(as(u), code); err != nil {
			t.Fatal(err)
		}
		u.TOTPEnabled = true
		if _, err := users.CreateAPIToken(as(u), u.ID, "x"); err != nil {
			t.Errorf("token after enrolment: %v", err)
		}
	})
}
