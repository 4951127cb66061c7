package sqlstore_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/auth"
	"medsec/internal/slapdtest"
	"medsec/sqlstore"
)

// TestDirectoryLogin logs in against a real slapd: the first login makes the user with
// the role and sites of its first mapped group, later logins follow the mappings, a user in
// no mapped group and a wrong password are refused, local users keep working, TOTP applies,
// what the directory decides cannot be changed in medsec, and the bind password never
// reaches the audit trail.
func TestDirectoryLogin(t *testing.T) {
	ldap := slapdtest.Start(t)
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := testNow
		db.Now = func() time.Time { return now }
		users, dirs, org, audit := sqlstore.NewUserService(db), sqlstore.NewDirectoryService(db), sqlstore.NewOrgService(db), sqlstore.NewAuditService(db)
		taipei, hsinchu := &medsec.Site{Code: "TPE", Name: "Taipei"}, &medsec.Site{Code: "HSC", Name: "Hsinchu"}
		for _, s := range []*medsec.Site{taipei, hsinchu} {
			if err := org.CreateSite(system, s); err != nil {
				t.Fatal(err)
			}
		}
		ge := &medsec.Vendor{Name: "GE Healthcare"}
		if err := org.CreateVendor(system, ge); err != nil {
			t.Fatal(err)
		}
		admin := &medsec.User{Username: "admin", Role: medsec.RoleAdmin}
		siteAdmin := &medsec.User{Username: "admin.taipei", Role: medsec.RoleAdmin, SiteIDs: []int64{taipei.ID}}
		localDave := &medsec.User{Username: "dave", Role: medsec.RoleAuditor}
		for _, u := range []*medsec.User{admin, siteAdmin, localDave} {
			if err := users.CreateUser(system, u, password); err != nil {
				t.Fatal(err)
			}
		}

		set := ldap.Settings()
		set.Mappings = []medsec.DirectoryMapping{
			{Group: strings.ToUpper(slapdtest.GroupSecurity), Role: medsec.RoleSecurityOfficer},
			{Group: slapdtest.GroupEngineers, Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{taipei.ID}},
			{Group: slapdtest.GroupVendors, Role: medsec.RoleVendor, VendorID: ge.ID},
		}
		if err := dirs.UpdateDirectorySettings(as(siteAdmin), set); !errors.Is(err, medsec.ErrBeyondOwnAccess()) && medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("site-limited admin: err = %v, want forbidden", err)
		}
		bad := set
		bad.Mappings = []medsec.DirectoryMapping{{Group: slapdtest.GroupEngineers, Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{999}}}
		if err := dirs.UpdateDirectorySettings(as(admin), bad); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("mapping to a missing site: err = %v", err)
		}
		if err := dirs.UpdateDirectorySettings(as(admin), set); err != nil {
			t.Fatal(err)
		}
		got, err := dirs.FindDirectorySettings(as(admin))
		if err != nil || got.BindPassword != "" || !got.BindPasswordSet || len(got.Mappings) != 3 {
			t.Fatalf("settings = %+v, %v", got, err)
		}
		// Saving without a password keeps the stored one.
		got.URL = ldap.URL
		if err := dirs.UpdateDirectorySettings(as(admin), got); err != nil {
			t.Fatal(err)
		}

		login := func(name, pw, code string) (*medsec.User, error) {
			return users.Authenticate(from("10.1.1.1"), name, pw, code)
		}
		alice, err := login("Alice", slapdtest.People["alice"].Password, "")
		if err != nil {
			t.Fatal(err)
		}
		if alice.Username != "alice" || alice.Source != medsec.UserSourceDirectory || alice.Role != medsec.RoleSecurityOfficer || len(alice.SiteIDs) != 0 ||
			alice.DisplayName != "Alice Chen" || alice.DirectoryDN != "uid=alice,ou=people,"+slapdtest.BaseDN {
			t.Errorf("alice = %+v", alice)
		}
		bob, err := login("bob", slapdtest.People["bob"].Password, "")
		if err != nil || bob.Role != medsec.RoleClinicalEngineer || !slices.Equal(bob.SiteIDs, []int64{taipei.ID}) {
			t.Fatalf("bob = %+v, %v", bob, err)
		}
		erin, err := login("erin", slapdtest.People["erin"].Password, "")
		if err != nil || erin.Role != medsec.RoleVendor || erin.VendorID != ge.ID {
			t.Fatalf("erin = %+v, %v", erin, err)
		}
		failed := func(name, pw, wantDetail string) {
			t.Helper()
			_, err := login(name, pw, "")
			var e *medsec.Error
			if !errors.As(err, &e) || e.Key != medsec.KeyLoginFailed {
				t.Fatalf("%s: err = %v, want a failed login", name, err)
			}
			entries, _, _ := audit.FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionLoginFailed, Username: name, Limit: 1})
			if len(entries) == 0 || !strings.HasPrefix(entries[0].Detail, wantDetail) {
				t.Errorf("%s: audit = %+v, want %q", name, entries, wantDetail)
			}
		}
		failed("carol", slapdtest.People["carol"].Password, "directory: in no mapped group")
		failed("alice", "not-alices-Password-1", "wrong password")
		failed("mallory", "whatever-Password-2", "wrong password")
		// A local user of the same name stays local: its own password, not the directory's.
		failed("dave", slapdtest.People["dave"].Password, "wrong password")
		if u, err := login("dave", password, ""); err != nil || u.Source != medsec.UserSourceLocal || u.Role != medsec.RoleAuditor {
			t.Errorf("local dave = %+v, %v", u, err)
		}
		if _, err := login("admin", password, ""); err != nil {
			t.Errorf("local admin: %v", err)
		}
		all, err := users.FindUsers(as(admin))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range all {
			if u.Username == "carol" || u.Username == "mallory" {
				t.Errorf("a refused login made user %s", u.Username)
			}
		}

		// The mapping moves bob's group to Hsinchu: his next login follows, audited.
		set.BindPassword = ""
		set.Mappings[1].SiteIDs = []int64{hsinchu.ID}
		if err := dirs.UpdateDirectorySettings(as(admin), set); err != nil {
			t.Fatal(err)
		}
		if bob, err = login("bob", slapdtest.People["bob"].Password, ""); err != nil || !slices.Equal(bob.SiteIDs, []int64{hsinchu.ID}) {
			t.Fatalf("bob after the mapping changed = %+v, %v", bob, err)
		}
		if entries, _, _ := audit.FindAuditEntries(system, medsec.AuditFilter{Action: "user.directory_sync", ObjectID: bob.ID}); len(entries) != 1 {
			t.Errorf("sync audit = %+v", entries)
		}

		// What the directory decides cannot be changed here; disabling can.
		if err := users.SetPassword(as(admin), alice.ID, "a brand new local passphrase"); !errors.Is(err, medsec.ErrDirectoryManaged()) && medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("set a directory user's password: err = %v", err)
		}
		promoted := *alice
		promoted.Role = medsec.RoleAdmin
		if err := users.UpdateUser(as(admin), &promoted, ""); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("change a directory user's role: err = %v", err)
		}

		// TOTP stays enforceable for a directory user.
		secret, _, err := users.BeginTOTP(as(alice))
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(secret, now)
		if err := users.EnableTOTP(as(alice), code); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if _, err := login("alice", slapdtest.People["alice"].Password, ""); err == nil || err.(*medsec.Error).Key != medsec.KeyTOTPRequired {
			t.Errorf("directory login without a code: err = %v", err)
		}
		code, _ = auth.TOTPCode(secret, now)
		if _, err := login("alice", slapdtest.People["alice"].Password, code); err != nil {
			t.Errorf("directory login with a code: %v", err)
		}

		disabled := *bob
		disabled.Disabled = true
		if err := users.UpdateUser(as(admin), &disabled, ""); err != nil {
			t.Fatal(err)
		}
		failed("bob", slapdtest.People["bob"].Password, "account disabled")

		// An unreachable directory fails the login, says why in the audit trail, and names
		// no password there.
		set.URL = "ldap://127.0.0.1:1"
		if err := dirs.UpdateDirectorySettings(as(admin), set); err != nil {
			t.Fatal(err)
		}
		failed("erin", slapdtest.People["erin"].Password, "directory unavailable")
		// Off, directory users cannot log in; local users can.
		set.Enabled = false
		if err := dirs.UpdateDirectorySettings(as(admin), set); err != nil {
			t.Fatal(err)
		}
		failed("erin", slapdtest.People["erin"].Password, "directory login is off")
		if _, err := login("admin", password, ""); err != nil {
			t.Errorf("local admin with the directory off: %v", err)
		}

		entries, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			text := e.Detail + string(e.Before) + string(e.After)
			for _, secret := range []string{slapdtest.ServicePassword, slapdtest.People["alice"].Password, slapdtest.People["erin"].Password} {
				if strings.Contains(text, secret) {
					t.Errorf("audit entry %d %s holds a password: %s", e.ID, e.Action, text)
				}
			}
		}
	})
}

func TestDirectoryLookup(t *testing.T) {
	ldap := slapdtest.Start(t)
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		dirs := sqlstore.NewDirectoryService(db)
		admin := &medsec.User{ID: 1, Username: "admin", Role: medsec.RoleAdmin}
		if _, err := dirs.LookupDirectoryUser(as(admin), "bob"); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("lookup before any settings: err = %v", err)
		}
		set := ldap.Settings()
		set.Mappings = []medsec.DirectoryMapping{{Group: slapdtest.GroupEngineers, Role: medsec.RoleClinicalEngineer}}
		if err := dirs.UpdateDirectorySettings(as(admin), set); err != nil {
			t.Fatal(err)
		}
		got, err := dirs.LookupDirectoryUser(as(admin), "bob")
		if err != nil || got.Entry.DisplayName != "Bob Lin" || got.Mapping == nil || got.Mapping.Role != medsec.RoleClinicalEngineer {
			t.Fatalf("lookup = %+v, %v", got, err)
		}
		if got, err := dirs.LookupDirectoryUser(as(admin), "carol"); err != nil || got.Mapping != nil {
			t.Errorf("carol = %+v, %v", got, err)
		}
		if _, err := dirs.LookupDirectoryUser(as(admin), "mallory"); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("mallory: err = %v", err)
		}
		soc := &medsec.User{ID: 2, Username: "soc", Role: medsec.RoleSOCAnalyst}
		if _, err := dirs.FindDirectorySettings(as(soc)); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("SOC reads the directory settings: err = %v", err)
		}
	})
}
