package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/account"
	"medsec/directory"
)

// AccountService implements medsec.AccountService on the accounts, people and
// access_reviews tables; findings come from package account.
type AccountService struct {
	db *DB
	// Defaults is the list of vendor default account names findings use.
	Defaults []account.VendorDefault
}

var _ medsec.AccountService = (*AccountService)(nil)

// NewAccountService returns the account service of db with the maintained list of vendor
// default account names.
func NewAccountService(db *DB) *AccountService {
	return &AccountService{db: db, Defaults: account.VendorDefaults()}
}

const accountColumns = `x.id, COALESCE(x.asset_id, 0), COALESCE(x.system_id, 0), COALESCE(a.site_id, cs.site_id), COALESCE(a.name, ''), COALESCE(cs.name, ''),
	x.username, x.display_name, x.type, COALESCE(x.person_id, 0), COALESCE(p.name, ''),
	x.enabled, x.last_login, x.password_changed, x.mfa, x.source, x.dn, x.notes, x.removed_at, x.created_at, x.updated_at`

// accountFrom joins an account to its asset or its clinical system (one of the two is
// set); accountSite is the site of either.
const accountFrom = ` FROM accounts x LEFT JOIN assets a ON a.id = x.asset_id LEFT JOIN clinical_systems cs ON cs.id = x.system_id LEFT JOIN people p ON p.id = x.person_id`

const accountSite = `COALESCE(a.site_id, cs.site_id)`

func scanAccount(scan func(dest ...any) error) (*medsec.Account, error) {
	var x medsec.Account
	var enabled int64
	var last, removed sql.NullTime
	var pw, mfa, typ string
	if err := scan(&x.ID, &x.AssetID, &x.SystemID, &x.SiteID, &x.AssetName, &x.SystemName, &x.Username, &x.DisplayName, &typ, &x.PersonID, &x.PersonName,
		&enabled, &last, &pw, &mfa, &x.Source, &x.DN, &x.Notes, &removed, &x.CreatedAt, &x.UpdatedAt); err != nil {
		return nil, err
	}
	x.Type, x.MFA, x.Enabled = medsec.AccountType(typ), medsec.Tristate(mfa), enabled != 0
	x.PasswordChanged, _ = medsec.ParseDate(pw)
	if last.Valid {
		x.LastLogin = last.Time.UTC()
	}
	if removed.Valid {
		x.RemovedAt = removed.Time.UTC()
	}
	x.CreatedAt, x.UpdatedAt = x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return &x, nil
}

// accountWhere returns the condition of the filter within the scope.
func accountWhere(sc scope, f medsec.AccountFilter) (string, []any) {
	conds, args := []string{"1 = 1"}, []any(nil)
	if c, a := sc.siteCond(accountSite); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if v := sc.vendor(); v != 0 {
		// A vendor user (none holds the account permissions) would see its company's
		// assets' accounts only, never a clinical system's.
		conds, args = append(conds, "a.vendor_id = ?"), append(args, v)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, accountSite+" = ?"), append(args, f.SiteID)
	}
	if f.AssetID != 0 {
		conds, args = append(conds, "x.asset_id = ?"), append(args, f.AssetID)
	}
	if f.SystemID != 0 {
		conds, args = append(conds, "x.system_id = ?"), append(args, f.SystemID)
	}
	if f.Type != "" {
		conds, args = append(conds, "x.type = ?"), append(args, string(f.Type))
	}
	if !f.Removed {
		conds = append(conds, "x.removed_at IS NULL")
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// FindAccounts implements medsec.AccountService.
func (s *AccountService) FindAccounts(ctx context.Context, f medsec.AccountFilter) ([]*medsec.Account, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	if err := s.checkFilter(ctx, sc, f); err != nil {
		return nil, err
	}
	return s.findAccounts(ctx, s.db.read, sc, f)
}

func (s *AccountService) findAccounts(ctx context.Context, q querier, sc scope, f medsec.AccountFilter) ([]*medsec.Account, error) {
	where, args := accountWhere(sc, f)
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+accountColumns+accountFrom+where+` ORDER BY COALESCE(a.name, cs.name), x.asset_id, x.system_id, x.username`), args...)
	if err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Account{}
	for rows.Next() {
		x, err := scanAccount(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find accounts: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// checkFilter answers ENOTFOUND for a filter naming an asset or a clinical system the
// caller cannot see.
func (s *AccountService) checkFilter(ctx context.Context, sc scope, f medsec.AccountFilter) error {
	if f.AssetID != 0 {
		if _, err := s.asset(ctx, s.db.read, sc, f.AssetID); err != nil {
			return err
		}
	}
	if f.SystemID != 0 {
		if _, err := s.system(ctx, s.db.read, sc, f.SystemID); err != nil {
			return err
		}
	}
	return nil
}

// accountHolder is the system whose accounts an import or a review is of: an asset or a
// clinical system, with its site, name and owner.
type accountHolder struct {
	AssetID, SystemID, SiteID int64
	Name                      string
	// OwnerID is the person answerable: the asset's responsible person or the system's owner.
	OwnerID int64
}

// objectType names the holder in the audit trail.
func (h accountHolder) objectType() (string, int64) {
	if h.SystemID != 0 {
		return "system", h.SystemID
	}
	return "asset", h.AssetID
}

// filter selects the holder's accounts.
func (h accountHolder) filter() medsec.AccountFilter {
	return medsec.AccountFilter{AssetID: h.AssetID, SystemID: h.SystemID}
}

// errAssetOrSystem refuses a request naming neither or both of an asset and a system.
func errAssetOrSystem() error {
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "system_id", Key: "err.asset_or_system",
		Message: "name either the asset or the clinical system the accounts are of, not both"}}}
}

// holder returns the asset or the clinical system of the scope that assetID or systemID
// names (exactly one non-zero: else EINVALID), or ENOTFOUND.
func (s *AccountService) holder(ctx context.Context, q querier, sc scope, assetID, systemID int64) (accountHolder, error) {
	switch {
	case (assetID == 0) == (systemID == 0):
		return accountHolder{}, errAssetOrSystem()
	case systemID != 0:
		c, err := s.system(ctx, q, sc, systemID)
		if err != nil {
			return accountHolder{}, err
		}
		return accountHolder{SystemID: c.ID, SiteID: c.SiteID, Name: c.Name, OwnerID: c.OwnerID}, nil
	}
	a, err := s.asset(ctx, q, sc, assetID)
	if err != nil {
		return accountHolder{}, err
	}
	return accountHolder{AssetID: a.ID, SiteID: a.SiteID, Name: a.Name, OwnerID: a.ResponsibleID}, nil
}

// system returns a clinical system of the scope, or ENOTFOUND.
func (s *AccountService) system(ctx context.Context, q querier, sc scope, id int64) (*medsec.ClinicalSystem, error) {
	if sc.vendor() != 0 {
		return nil, errSystemNotFound()
	}
	return (&ClinicalSystemService{db: s.db}).system(ctx, q, sc, id)
}

// asset returns an asset of the scope, or ENOTFOUND.
func (s *AccountService) asset(ctx context.Context, q querier, sc scope, id int64) (*medsec.Asset, error) {
	a, err := findAssetByID(ctx, q, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	return a, nil
}

// peopleIndex finds people by employee number, name and directory user name.
type peopleIndex struct {
	byNo, byName, byUser map[string]int64
	// ambiguousUser holds user names that several people have.
	ambiguousUser map[string]bool
}

func loadPeople(ctx context.Context, q querier) (*peopleIndex, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, employee_no, username FROM people`)
	if err != nil {
		return nil, fmt.Errorf("load people: %w", err)
	}
	defer rows.Close()
	ix := &peopleIndex{byNo: map[string]int64{}, byName: map[string]int64{}, byUser: map[string]int64{}, ambiguousUser: map[string]bool{}}
	for rows.Next() {
		var id int64
		var name, no, user string
		if err := rows.Scan(&id, &name, &no, &user); err != nil {
			return nil, fmt.Errorf("load people: %w", err)
		}
		ix.byName[strings.ToLower(name)] = id
		if no != "" {
			ix.byNo[strings.ToLower(no)] = id
		}
		if user != "" {
			u := strings.ToLower(user)
			if _, dup := ix.byUser[u]; dup {
				ix.ambiguousUser[u] = true
			}
			ix.byUser[u] = id
		}
	}
	return ix, rows.Err()
}

// person resolves an account row's person: its person cell by employee number then name;
// without one, its user name by the roster's user names. ok is false for a named person
// nobody is.
func (ix *peopleIndex) person(r medsec.AccountRow) (int64, bool) {
	if r.Person != "" {
		k := strings.ToLower(r.Person)
		if id, ok := ix.byNo[k]; ok {
			return id, true
		}
		id, ok := ix.byName[k]
		return id, ok
	}
	u := strings.ToLower(r.Username)
	if ix.ambiguousUser[u] {
		return 0, true
	}
	return ix.byUser[u], true
}

// ImportAccounts implements medsec.AccountService.
func (s *AccountService) ImportAccounts(ctx context.Context, imp medsec.AccountImport) (medsec.AccountImportResult, error) {
	var res medsec.AccountImportResult
	sc, err := authorize(ctx, medsec.PermAccountWrite)
	if err != nil {
		return res, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	h, err := s.holder(ctx, tx, sc, imp.AssetID, imp.SystemID)
	if err != nil {
		return res, err
	}
	problems := append([]medsec.FieldError(nil), imp.Problems...)
	people, err := loadPeople(ctx, tx)
	if err != nil {
		return res, err
	}
	seen := map[string]int{}
	persons := make([]int64, len(imp.Rows))
	for i, r := range imp.Rows {
		k := strings.ToLower(r.Username)
		if first, dup := seen[k]; dup && r.Username != "" {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "username", Key: "err.duplicate_row", Value: r.Username,
				Message: fmt.Sprintf("the account %q is also on line %d", r.Username, first)})
		}
		seen[k] = r.Line
		if !validType(r.Type) {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "type", Key: "err.unknown_value", Value: string(r.Type), Message: "unknown account type"})
		}
		id, ok := people.person(r)
		if !ok {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "person", Key: "err.unknown_person", Value: r.Person,
				Message: fmt.Sprintf("no person of the roster has the employee number or name %q", r.Person)})
		}
		persons[i] = id
	}
	if len(problems) > 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: problems}
	}
	all := h.filter()
	all.Removed = true
	before, err := s.findAccounts(ctx, tx, scope{user: medsec.SystemUser}, all)
	if err != nil {
		return res, err
	}
	byName := map[string]*medsec.Account{}
	for _, x := range before {
		byName[strings.ToLower(x.Username)] = x
	}
	for i, r := range imp.Rows {
		if r.MFA == "" {
			r.MFA = medsec.Unknown
		}
		if persons[i] != 0 {
			res.Linked++
		}
		old := byName[strings.ToLower(r.Username)]
		delete(byName, strings.ToLower(r.Username))
		vals := []any{r.Username, r.DisplayName, string(r.Type), nullID(persons[i]), boolInt(r.Enabled), nullTime(r.LastLogin), r.PasswordChanged.String(),
			string(r.MFA), imp.Format, r.DN, r.Notes}
		if old == nil {
			if _, err := tx.exec(ctx, `INSERT INTO accounts (username, display_name, type, person_id, enabled, last_login, password_changed, mfa, source, dn, notes, asset_id, system_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(vals, nullID(h.AssetID), nullID(h.SystemID), tx.now, tx.now)...); err != nil {
				return res, fmt.Errorf("import accounts: line %d: %w", r.Line, err)
			}
			res.Created++
			continue
		}
		if old.RemovedAt.IsZero() && old.Username == r.Username && old.DisplayName == r.DisplayName && old.Type == r.Type && old.PersonID == persons[i] &&
			old.Enabled == r.Enabled && old.LastLogin.Equal(r.LastLogin.Truncate(time.Microsecond)) && old.PasswordChanged == r.PasswordChanged &&
			old.MFA == r.MFA && old.Source == imp.Format && old.DN == r.DN && old.Notes == r.Notes {
			res.Unchanged++
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE accounts SET username = ?, display_name = ?, type = ?, person_id = ?, enabled = ?, last_login = ?, password_changed = ?, mfa = ?,
			source = ?, dn = ?, notes = ?, removed_at = NULL, updated_at = ? WHERE id = ?`, append(vals, tx.now, old.ID)...); err != nil {
			return res, fmt.Errorf("import accounts: line %d: %w", r.Line, err)
		}
		res.Updated++
	}
	for _, gone := range byName {
		if !gone.RemovedAt.IsZero() {
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE accounts SET removed_at = ?, updated_at = ? WHERE id = ?`, tx.now, tx.now, gone.ID); err != nil {
			return res, fmt.Errorf("import accounts: %w", err)
		}
		res.Removed++
	}
	objType, objID := h.objectType()
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionAccountImport, ObjectType: objType, ObjectID: objID, SiteID: h.SiteID,
		Detail: truncateDetail(fmt.Sprintf("%s (%s): %d created, %d updated, %d unchanged, %d removed", imp.Source, imp.Format, res.Created, res.Updated, res.Unchanged, res.Removed))}); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

func truncateDetail(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200])
	}
	return s
}

func validType(t medsec.AccountType) bool {
	for _, x := range medsec.AccountTypes {
		if x == t {
			return true
		}
	}
	return false
}

// ReadDirectoryAccounts implements medsec.AccountService.
func (s *AccountService) ReadDirectoryAccounts(ctx context.Context, base, filter string) (medsec.AccountImport, error) {
	imp := medsec.AccountImport{Source: "directory", Format: "directory"}
	if _, err := authorize(ctx, medsec.PermAccountWrite); err != nil {
		return imp, err
	}
	set, err := readDirectorySettings(ctx, s.db.read, s.db.dialect)
	if err != nil {
		return imp, err
	}
	if set.URL == "" {
		return imp, &medsec.Error{Code: medsec.EINVALID, Message: "Set the directory's URL first.", Key: "err.directory_unset"}
	}
	entries, err := directory.Accounts(ctx, set, base, filter)
	if err != nil {
		return imp, &medsec.Error{Code: medsec.EUNAVAILABLE, Message: "The directory could not be used: " + err.Error(), Key: "err.directory_unavailable", Args: []any{err.Error()}}
	}
	imp.Source = set.URL
	for i, e := range entries {
		row, ok, problems := account.AccountFromEntry(e, i+1)
		imp.Problems = append(imp.Problems, problems...)
		if ok {
			imp.Rows = append(imp.Rows, row)
		}
	}
	return imp, nil
}

// ImportRoster implements medsec.AccountService.
func (s *AccountService) ImportRoster(ctx context.Context, imp medsec.RosterImport) (medsec.RosterResult, error) {
	var res medsec.RosterResult
	sc, err := authorize(ctx, medsec.PermAccountWrite)
	if err != nil {
		return res, err
	}
	if err := sc.writesShared(); err != nil {
		return res, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	problems := append([]medsec.FieldError(nil), imp.Problems...)
	people, err := loadPeople(ctx, tx)
	if err != nil {
		return res, err
	}
	depts := map[string][]int64{}
	rows, err := tx.query(ctx, `SELECT id, name FROM departments`)
	if err != nil {
		return res, fmt.Errorf("import roster: %w", err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return res, fmt.Errorf("import roster: %w", err)
		}
		depts[strings.ToLower(name)] = append(depts[strings.ToLower(name)], id)
	}
	rows.Close()
	seenNo, seenName := map[string]int{}, map[string]int{}
	for _, r := range imp.Rows {
		if l, dup := seenNo[strings.ToLower(r.EmployeeNo)]; dup {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "employee_no", Key: "err.duplicate_row", Value: r.EmployeeNo, Message: fmt.Sprintf("also on line %d", l)})
		}
		seenNo[strings.ToLower(r.EmployeeNo)] = r.Line
		if l, dup := seenName[strings.ToLower(r.Name)]; dup {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "name", Key: "err.duplicate_row", Value: r.Name, Message: fmt.Sprintf("also on line %d", l)})
		}
		seenName[strings.ToLower(r.Name)] = r.Line
		idNo, hasNo := people.byNo[strings.ToLower(r.EmployeeNo)]
		idName, hasName := people.byName[strings.ToLower(r.Name)]
		if hasNo && hasName && idNo != idName {
			problems = append(problems, medsec.FieldError{Line: r.Line, Field: "name", Key: "err.roster_name_taken", Value: r.Name,
				Message: fmt.Sprintf("another person already has the name %q", r.Name)})
		}
	}
	if len(problems) > 0 {
		return res, &medsec.ValidationError{Source: imp.Source, Errors: problems}
	}
	for _, r := range imp.Rows {
		var dept any
		if ids := depts[strings.ToLower(r.Department)]; len(ids) == 1 {
			dept = ids[0]
		}
		id, ok := people.byNo[strings.ToLower(r.EmployeeNo)]
		if !ok {
			id, ok = people.byName[strings.ToLower(r.Name)]
		}
		if !ok {
			if _, err := tx.exec(ctx, `INSERT INTO people (name, employee_no, username, status, joined, status_effective, department_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				r.Name, r.EmployeeNo, r.Username, string(r.Status), r.Joined.String(), r.Effective.String(), dept); err != nil {
				return res, fmt.Errorf("import roster: line %d: %w", r.Line, err)
			}
			res.Created++
			continue
		}
		var name, no, user, status, joined, eff string
		var oldDept sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT name, employee_no, username, status, joined, status_effective, department_id FROM people WHERE id = ?`, id).Scan(&name, &no, &user, &status, &joined, &eff, &oldDept); err != nil {
			return res, fmt.Errorf("import roster: line %d: %w", r.Line, err)
		}
		if dept == nil && oldDept.Valid {
			dept = oldDept.Int64
		}
		newDept := int64(0)
		if dept != nil {
			newDept = dept.(int64)
		}
		if name == r.Name && no == r.EmployeeNo && user == r.Username && status == string(r.Status) && joined == r.Joined.String() && eff == r.Effective.String() && oldDept.Int64 == newDept {
			res.Unchanged++
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE people SET name = ?, employee_no = ?, username = ?, status = ?, joined = ?, status_effective = ?, department_id = ? WHERE id = ?`,
			r.Name, r.EmployeeNo, r.Username, string(r.Status), r.Joined.String(), r.Effective.String(), dept, id); err != nil {
			return res, fmt.Errorf("import roster: line %d: %w", r.Line, err)
		}
		res.Updated++
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionRosterImport, ObjectType: "roster",
		Detail: truncateDetail(fmt.Sprintf("%s: %d created, %d updated, %d unchanged", imp.Source, res.Created, res.Updated, res.Unchanged))}); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// FindStaff implements medsec.AccountService: the people of the roster the caller may see
// (as OrgService.FindPeople limits them).
func (s *AccountService) FindStaff(ctx context.Context) ([]medsec.StaffMember, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	where, args := "", []any(nil)
	if sites, sargs := sc.siteCond("site_id"); sites != "" {
		where, args = " WHERE (department_id IS NULL OR department_id IN (SELECT id FROM departments WHERE "+sites+"))", sargs
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, name, employee_no, username, status, joined, status_effective FROM people`+where+` ORDER BY name`), args...)
	if err != nil {
		return nil, fmt.Errorf("find staff: %w", err)
	}
	defer rows.Close()
	out := []medsec.StaffMember{}
	for rows.Next() {
		var m medsec.StaffMember
		var status, joined, eff string
		if err := rows.Scan(&m.PersonID, &m.Name, &m.EmployeeNo, &m.Username, &status, &joined, &eff); err != nil {
			return nil, fmt.Errorf("find staff: %w", err)
		}
		m.Status = medsec.PersonStatus(status)
		m.Joined, _ = medsec.ParseDate(joined)
		m.Effective, _ = medsec.ParseDate(eff)
		out = append(out, m)
	}
	return out, rows.Err()
}

// assetInfo is what an account's findings need of its asset or clinical system.
type assetInfo struct {
	class, vendor, model string
	vendorID             int64
	jurisdiction         string
}

// subjects loads the accounts the filter selects with what their findings need.
func (s *AccountService) subjects(ctx context.Context, q querier, sc scope, f medsec.AccountFilter) ([]account.Subject, error) {
	accounts, err := s.findAccounts(ctx, q, sc, f)
	if err != nil {
		return nil, err
	}
	assets := map[int64]*assetInfo{}
	people := map[int64]*medsec.StaffMember{}
	reviewed := map[int64]time.Time{}
	profiles := newMDS2Cache(q, s.db.dialect)
	out := make([]account.Subject, 0, len(accounts))
	systems := map[int64]*assetInfo{}
	for _, x := range accounts {
		if x.SystemID != 0 {
			si := systems[x.SystemID]
			if si == nil {
				if si, err = s.systemInfo(ctx, q, x.SystemID); err != nil {
					return nil, err
				}
				systems[x.SystemID] = si
			}
			sub := account.Subject{Account: x, Class: medsec.DeviceClass(si.class), Vendor: si.vendor, Jurisdiction: medsec.Jurisdiction(si.jurisdiction),
				PasswordChangeable: medsec.Unknown}
			if err := s.subjectPerson(ctx, q, &sub, people, reviewed); err != nil {
				return nil, err
			}
			out = append(out, sub)
			continue
		}
		ai := assets[x.AssetID]
		if ai == nil {
			ai = &assetInfo{}
			if err := q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT a.class, COALESCE(v.name, ''), COALESCE(a.vendor_id, 0), a.model, COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`')
				FROM assets a LEFT JOIN vendors v ON v.id = a.vendor_id LEFT JOIN incident_site_settings j ON j.site_id = a.site_id WHERE a.id = ?`), x.AssetID).
				Scan(&ai.class, &ai.vendor, &ai.vendorID, &ai.model, &ai.jurisdiction); err != nil {
				return nil, fmt.Errorf("account findings: asset %d: %w", x.AssetID, err)
			}
			assets[x.AssetID] = ai
		}
		sub := account.Subject{Account: x, Class: medsec.DeviceClass(ai.class), Vendor: ai.vendor, Jurisdiction: medsec.Jurisdiction(ai.jurisdiction), PasswordChangeable: medsec.Unknown}
		if p, err := profiles.profile(ctx, &medsec.Asset{ID: x.AssetID, VendorID: ai.vendorID, Model: ai.model}); err != nil {
			return nil, err
		} else if p != nil {
			for _, c := range p.Capabilities {
				if c.Capability == medsec.CapPasswordChange {
					sub.PasswordChangeable = c.Status
				}
			}
		}
		if err := s.subjectPerson(ctx, q, &sub, people, reviewed); err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, nil
}

// subjectPerson fills a subject's person and the last review that kept its account, from
// (and into) the caches people and reviewed.
func (s *AccountService) subjectPerson(ctx context.Context, q querier, sub *account.Subject, people map[int64]*medsec.StaffMember, reviewed map[int64]time.Time) error {
	x := sub.Account
	if x.PersonID != 0 {
		m, ok := people[x.PersonID]
		if !ok {
			var st, joined, eff string
			mm := medsec.StaffMember{PersonID: x.PersonID}
			if err := q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT name, employee_no, username, status, joined, status_effective FROM people WHERE id = ?`), x.PersonID).
				Scan(&mm.Name, &mm.EmployeeNo, &mm.Username, &st, &joined, &eff); err != nil {
				return fmt.Errorf("account findings: person %d: %w", x.PersonID, err)
			}
			mm.Status = medsec.PersonStatus(st)
			mm.Joined, _ = medsec.ParseDate(joined)
			mm.Effective, _ = medsec.ParseDate(eff)
			m = &mm
			people[x.PersonID] = m
		}
		sub.Person = m
	}
	if _, ok := reviewed[x.ID]; !ok {
		// The latest sign-off that kept the account (ORDER BY, not MAX: SQLite's
		// aggregate loses the column's time type).
		var at sql.NullTime
		err := q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT r.signed_at FROM access_review_items i JOIN access_reviews r ON r.id = i.review_id
				WHERE i.account_id = ? AND i.decision = ? AND r.signed_at IS NOT NULL ORDER BY r.signed_at DESC LIMIT 1`), x.ID, medsec.DecisionKeep).Scan(&at)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("account findings: reviews of account %d: %w", x.ID, err)
		}
		reviewed[x.ID] = at.Time
	}
	sub.LastReviewed = reviewed[x.ID]
	return nil
}

// systemInfo returns what a clinical system's account findings are decided from: the
// class of a device application system when any member asset is one (where the baseline
// forbids shared accounts [000 帳號管理(普) 四]), the member assets' vendors (whose
// default account names count), and the jurisdiction of the system's site.
func (s *AccountService) systemInfo(ctx context.Context, q querier, id int64) (*assetInfo, error) {
	si := &assetInfo{}
	if err := q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`')
		FROM clinical_systems c LEFT JOIN incident_site_settings j ON j.site_id = c.site_id WHERE c.id = ?`), id).Scan(&si.jurisdiction); err != nil {
		return nil, fmt.Errorf("account findings: system %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.class, COALESCE(v.name, '') FROM clinical_system_assets m JOIN assets a ON a.id = m.asset_id
		LEFT JOIN vendors v ON v.id = a.vendor_id WHERE m.system_id = ? ORDER BY a.id`), id)
	if err != nil {
		return nil, fmt.Errorf("account findings: system %d: %w", id, err)
	}
	defer rows.Close()
	var vendors []string
	for rows.Next() {
		var class, vendor string
		if err := rows.Scan(&class, &vendor); err != nil {
			return nil, fmt.Errorf("account findings: system %d: %w", id, err)
		}
		if medsec.DeviceClass(class) == medsec.ClassApplication {
			si.class = class
		}
		if vendor != "" && !slices.Contains(vendors, vendor) {
			vendors = append(vendors, vendor)
		}
	}
	si.vendor = strings.Join(vendors, "; ")
	return si, rows.Err()
}

// AccountFindings implements medsec.AccountService.
func (s *AccountService) AccountFindings(ctx context.Context, f medsec.AccountFilter, unusedDays int) ([]medsec.AccountFinding, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	if err := s.checkFilter(ctx, sc, f); err != nil {
		return nil, err
	}
	f.Removed = false
	subs, err := s.subjects(ctx, s.db.read, sc, f)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	out := []medsec.AccountFinding{}
	for _, sub := range subs {
		out = append(out, account.Findings(sub, s.Defaults, now, unusedDays)...)
	}
	return out, nil
}

// accountChecks returns the account-management check results of one asset (package
// account's Checks over the findings of its accounts and of the accounts of the clinical
// systems it is a member of), for the compliance checks (runChecks).
func accountChecks(ctx context.Context, db *DB, a *medsec.Asset, now time.Time) ([]medsec.CheckResult, error) {
	s := &AccountService{db: db, Defaults: account.VendorDefaults()}
	all := scope{user: medsec.SystemUser}
	subs, err := s.subjects(ctx, db.read, all, medsec.AccountFilter{AssetID: a.ID})
	if err != nil {
		return nil, err
	}
	systems, err := (&ClinicalSystemService{db: db}).findSystems(ctx, db.read, all, medsec.ClinicalSystemFilter{AssetID: a.ID})
	if err != nil {
		return nil, err
	}
	for _, c := range systems {
		more, err := s.subjects(ctx, db.read, all, medsec.AccountFilter{SystemID: c.ID})
		if err != nil {
			return nil, err
		}
		subs = append(subs, more...)
	}
	var fs []medsec.AccountFinding
	for _, sub := range subs {
		fs = append(fs, account.Findings(sub, s.Defaults, now, 0)...)
	}
	return account.Checks(a.ID, len(subs), fs, now), nil
}

// errAccessReviewNotFound is the answer for a review that does not exist.
func errAccessReviewNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Access review not found.", Key: "err.access_review_not_found"}
}

func errAccessReviewSigned() error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "The access review is signed off and cannot change.", Key: "err.access_review_signed"}
}

const accessReviewColumns = `r.id, COALESCE(r.asset_id, 0), COALESCE(a.site_id, cs.site_id), COALESCE(a.name, ''), COALESCE(r.system_id, 0), COALESCE(cs.name, ''), COALESCE(r.owner_id, 0), COALESCE(p.name, ''), r.period_start, r.period_end, r.due,
	COALESCE(r.signed_by, 0), COALESCE(u.display_name, u.username, ''), r.signed_at, r.created_at`

const accessReviewFrom = ` FROM access_reviews r LEFT JOIN assets a ON a.id = r.asset_id LEFT JOIN clinical_systems cs ON cs.id = r.system_id LEFT JOIN people p ON p.id = r.owner_id LEFT JOIN users u ON u.id = r.signed_by`

func scanAccessReview(scan func(dest ...any) error, now time.Time) (*medsec.AccessReview, error) {
	var r medsec.AccessReview
	var signed sql.NullTime
	if err := scan(&r.ID, &r.AssetID, &r.SiteID, &r.AssetName, &r.SystemID, &r.SystemName, &r.OwnerID, &r.OwnerName, &r.PeriodStart, &r.PeriodEnd, &r.Due,
		&r.SignedBy, &r.SignedByName, &signed, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.PeriodStart, r.PeriodEnd, r.Due, r.CreatedAt = r.PeriodStart.UTC(), r.PeriodEnd.UTC(), r.Due.UTC(), r.CreatedAt.UTC()
	r.Status = medsec.AccessReviewOpen
	if signed.Valid {
		r.Status, r.SignedAt = medsec.AccessReviewSigned, signed.Time.UTC()
	}
	r.Overdue = r.Status == medsec.AccessReviewOpen && now.After(r.Due)
	r.Items = []medsec.AccessReviewItem{}
	return &r, nil
}

// FindAccessReviews implements medsec.AccountService.
func (s *AccountService) FindAccessReviews(ctx context.Context, f medsec.AccessReviewFilter) ([]*medsec.AccessReview, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	conds, args := []string{"1 = 1"}, []any(nil)
	if c, a := sc.siteCond(accountSite); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if v := sc.vendor(); v != 0 {
		conds, args = append(conds, "a.vendor_id = ?"), append(args, v)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, accountSite+" = ?"), append(args, f.SiteID)
	}
	if f.AssetID != 0 {
		conds, args = append(conds, "r.asset_id = ?"), append(args, f.AssetID)
	}
	if f.SystemID != 0 {
		conds, args = append(conds, "r.system_id = ?"), append(args, f.SystemID)
	}
	switch f.Status {
	case "":
	case medsec.AccessReviewOpen:
		conds = append(conds, "r.signed_at IS NULL")
	case medsec.AccessReviewSigned:
		conds = append(conds, "r.signed_at IS NOT NULL")
	default:
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "status", Key: "err.unknown_value", Value: f.Status, Message: "must be open or signed"}}}
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+accessReviewColumns+accessReviewFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY r.period_start DESC, COALESCE(a.name, cs.name)`), args...)
	if err != nil {
		return nil, fmt.Errorf("access reviews: %w", err)
	}
	defer rows.Close()
	now := s.db.Now().UTC()
	out := []*medsec.AccessReview{}
	for rows.Next() {
		r, err := scanAccessReview(rows.Scan, now)
		if err != nil {
			return nil, fmt.Errorf("access reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *AccountService) findReview(ctx context.Context, q querier, sc scope, id int64) (*medsec.AccessReview, error) {
	r, err := scanAccessReview(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+accessReviewColumns+accessReviewFrom+` WHERE r.id = ?`), id).Scan, s.db.Now().UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errAccessReviewNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("access review %d: %w", id, err)
	}
	sees := sc.seesSite(r.SiteID) && sc.vendor() == 0
	if r.AssetID != 0 {
		a, err := findAssetByID(ctx, q, s.db.dialect, r.AssetID)
		if err != nil {
			return nil, err
		}
		sees = sc.seesAsset(a)
	}
	if !sees {
		return nil, medsec.NotInScope("Access review not found.", "err.access_review_not_found", fmt.Sprintf("access review %d", id), r.SiteID)
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT account_id, username, type, person_name, enabled, last_login, findings, decision, reason, decided_by, decided_at
		FROM access_review_items WHERE review_id = ? ORDER BY username`), id)
	if err != nil {
		return nil, fmt.Errorf("access review %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it medsec.AccessReviewItem
		var typ, findings string
		var enabled int64
		var last, decided sql.NullTime
		if err := rows.Scan(&it.AccountID, &it.Username, &typ, &it.PersonName, &enabled, &last, &findings, &it.Decision, &it.Reason, &it.DecidedBy, &decided); err != nil {
			return nil, fmt.Errorf("access review %d: %w", id, err)
		}
		it.Type, it.Enabled = medsec.AccountType(typ), enabled != 0
		if last.Valid {
			it.LastLogin = last.Time.UTC()
		}
		if decided.Valid {
			it.DecidedAt = decided.Time.UTC()
		}
		it.Findings = []medsec.AccountFindingKind{}
		for _, k := range strings.Fields(findings) {
			it.Findings = append(it.Findings, medsec.AccountFindingKind(k))
		}
		r.Items = append(r.Items, it)
	}
	return r, rows.Err()
}

// FindAccessReview implements medsec.AccountService.
func (s *AccountService) FindAccessReview(ctx context.Context, id int64) (*medsec.AccessReview, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	return s.findReview(ctx, s.db.read, sc, id)
}

// lastQuarter returns the last whole calendar quarter (UTC) before now.
func lastQuarter(now time.Time) (start, end time.Time) {
	now = now.UTC()
	end = time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	return end.AddDate(0, -medsec.AccessReviewCadenceMonths, 0), end
}

// OpenAccessReview implements medsec.AccountService.
func (s *AccountService) OpenAccessReview(ctx context.Context, assetID int64) (*medsec.AccessReview, error) {
	return s.openHolderReview(ctx, assetID, 0)
}

// OpenSystemAccessReview implements medsec.AccountService.
func (s *AccountService) OpenSystemAccessReview(ctx context.Context, systemID int64) (*medsec.AccessReview, error) {
	return s.openHolderReview(ctx, 0, systemID)
}

// openHolderReview opens the access review of an asset's accounts or a clinical system's
// (one of assetID and systemID is 0), in one transaction.
func (s *AccountService) openHolderReview(ctx context.Context, assetID, systemID int64) (*medsec.AccessReview, error) {
	sc, err := authorize(ctx, medsec.PermAccountWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	h, err := s.holder(ctx, tx, sc, assetID, systemID)
	if err != nil {
		return nil, err
	}
	r, err := s.openReview(ctx, tx, sc, h)
	if err != nil {
		return nil, err
	}
	return r, tx.Commit()
}

// openReview opens the last quarter's review of the holder's accounts, its reviewer the
// holder's owner (the asset's responsible person, the clinical system's owner).
func (s *AccountService) openReview(ctx context.Context, tx *Tx, sc scope, h accountHolder) (*medsec.AccessReview, error) {
	start, end := lastQuarter(tx.now)
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM access_reviews WHERE (asset_id = ? OR system_id = ?) AND period_start = ?`,
		nullID(h.AssetID), nullID(h.SystemID), start).Scan(&n); err != nil {
		return nil, fmt.Errorf("open access review: %w", err)
	}
	if n > 0 {
		return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "This quarter's access review of the system exists already.", Key: "err.access_review_exists"}
	}
	due := end.AddDate(0, 0, medsec.AccessReviewDueDays)
	id, err := tx.insert(ctx, `INSERT INTO access_reviews (asset_id, system_id, owner_id, period_start, period_end, due, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(h.AssetID), nullID(h.SystemID), nullID(h.OwnerID), start, end, due, tx.now)
	if err != nil {
		return nil, fmt.Errorf("open access review: %w", err)
	}
	subs, err := s.subjects(ctx, tx, scope{user: medsec.SystemUser}, h.filter())
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		var kinds []string
		for _, f := range account.Findings(sub, s.Defaults, tx.now, 0) {
			kinds = append(kinds, string(f.Kind))
		}
		x := sub.Account
		if _, err := tx.exec(ctx, `INSERT INTO access_review_items (review_id, account_id, username, type, person_name, enabled, last_login, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, x.ID, x.Username, string(x.Type), x.PersonName, boolInt(x.Enabled), nullTime(x.LastLogin), strings.Join(kinds, " ")); err != nil {
			return nil, fmt.Errorf("open access review: %w", err)
		}
	}
	r, err := s.findReview(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionAccessReviewCreate, "access_review", id, h.SiteID, nil, r); err != nil {
		return nil, err
	}
	return r, nil
}

// DecideAccessReview implements medsec.AccountService.
func (s *AccountService) DecideAccessReview(ctx context.Context, id int64, ds []medsec.AccessReviewDecision) (*medsec.AccessReview, error) {
	sc, err := authorize(ctx, medsec.PermAccountWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := s.findReview(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if before.Status == medsec.AccessReviewSigned {
		return nil, errAccessReviewSigned()
	}
	items := map[int64]bool{}
	for _, it := range before.Items {
		items[it.AccountID] = true
	}
	var errs []medsec.FieldError
	for i, d := range ds {
		f := fmt.Sprintf("decisions.%d.", i)
		if !items[d.AccountID] {
			errs = append(errs, medsec.FieldError{Field: f + "account_id", Key: "err.access_review_account", Value: fmt.Sprint(d.AccountID), Message: "is not an account of the review"})
		}
		if d.Decision != medsec.DecisionKeep && d.Decision != medsec.DecisionRemove && d.Decision != "" {
			errs = append(errs, medsec.FieldError{Field: f + "decision", Key: "err.unknown_value", Value: d.Decision, Enum: "review_decision",
				Allowed: []string{medsec.DecisionKeep, medsec.DecisionRemove}, Message: "must be keep or remove"})
		}
		if d.Decision != "" && strings.TrimSpace(d.Reason) == "" {
			errs = append(errs, medsec.FieldError{Field: f + "reason", Key: "err.access_review_reason", Message: "give the reason for the decision"})
		}
		if fe := medsec.CheckText(f+"reason", d.Reason, true); fe != nil {
			errs = append(errs, *fe)
		} else if fe := medsec.CheckLength(f+"reason", d.Reason, 2000); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	for _, d := range ds {
		by, at := sc.user.Username, any(tx.now)
		if d.Decision == "" {
			by, at = "", nil
		}
		if _, err := tx.exec(ctx, `UPDATE access_review_items SET decision = ?, reason = ?, decided_by = ?, decided_at = ? WHERE review_id = ? AND account_id = ?`,
			d.Decision, strings.TrimSpace(d.Reason), by, at, id, d.AccountID); err != nil {
			return nil, fmt.Errorf("decide access review: %w", err)
		}
	}
	after, err := s.findReview(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionAccessReviewDecide, "access_review", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

// SignAccessReview implements medsec.AccountService.
func (s *AccountService) SignAccessReview(ctx context.Context, id int64) (*medsec.AccessReview, error) {
	sc, err := authorize(ctx, medsec.PermAccountWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := s.findReview(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if before.Status == medsec.AccessReviewSigned {
		return nil, errAccessReviewSigned()
	}
	var errs []medsec.FieldError
	for _, it := range before.Items {
		if it.Decision == "" {
			errs = append(errs, medsec.FieldError{Field: "decisions", Key: "err.access_review_undecided", Value: it.Username, Message: "decide on every account (keep or remove) before signing off"})
		}
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	if _, err := tx.exec(ctx, `UPDATE access_reviews SET signed_by = ?, signed_at = ? WHERE id = ? AND signed_at IS NULL`, nullID(sc.user.ID), tx.now, id); err != nil {
		return nil, fmt.Errorf("sign access review: %w", err)
	}
	after, err := s.findReview(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionAccessReviewSign, "access_review", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

// EnsureAccessReviews implements medsec.AccountService.
func (s *AccountService) EnsureAccessReviews(ctx context.Context, now time.Time) (int, error) {
	sc, err := authorize(ctx, medsec.PermAccountWrite)
	if err != nil {
		return 0, err
	}
	start, _ := lastQuarter(now)
	cond, args := sc.assetCond("a")
	if cond == "" {
		cond = "1 = 1"
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT DISTINCT a.id FROM assets a JOIN accounts x ON x.asset_id = a.id AND x.removed_at IS NULL
		WHERE a.status = 'active' AND `+cond+` AND NOT EXISTS (SELECT 1 FROM access_reviews r WHERE r.asset_id = a.id AND r.period_start = ?) ORDER BY a.id`), append(args, start)...)
	if err != nil {
		return 0, fmt.Errorf("ensure access reviews: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("ensure access reviews: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		if _, err := s.OpenAccessReview(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	// Each clinical system with accounts of its own: its owner's quarterly campaign.
	cond, args = sc.siteCond("c.site_id")
	if cond == "" {
		cond = "1 = 1"
	}
	rows, err = s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT DISTINCT c.id FROM clinical_systems c JOIN accounts x ON x.system_id = c.id AND x.removed_at IS NULL
		WHERE `+cond+` AND NOT EXISTS (SELECT 1 FROM access_reviews r WHERE r.system_id = c.id AND r.period_start = ?) ORDER BY c.id`), append(args, start)...)
	if err != nil {
		return n, fmt.Errorf("ensure access reviews: %w", err)
	}
	ids = ids[:0]
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return n, fmt.Errorf("ensure access reviews: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := s.OpenSystemAccessReview(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
