package medsec

import (
	"regexp"

	"github.com/package-url/packageurl-go"
)

// cpe23Pattern is a CPE 2.3 formatted string: "cpe:2.3:" then 11 components [NISTIR 7695 §6.2].
var cpe23Pattern = regexp.MustCompile(`^cpe:2\.3:[aho\*\-](:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$%&'\(\)\+,/:;<=>@\[\]\^` + "`" + `\{\|}~]))+(\?*|\*?))|[\*\-])){5}(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))(:(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$%&'\(\)\+,/:;<=>@\[\]\^` + "`" + `\{\|}~]))+(\?*|\*?))|[\*\-])){4}$`)

// cpe22Pattern is a CPE 2.2 URI [CPE 2.2 §5.3].
var cpe22Pattern = regexp.MustCompile(`^[cC][pP][eE]:/[AHOaho]?(:[A-Za-z0-9\._\-~%]*){0,6}$`)

// ValidCPE reports whether s is a CPE 2.3 formatted string (NISTIR 7695 §6.2, all 13
// components) or a CPE 2.2 URI (CPE 2.2 §5.3). SBOM components and assets are checked
// with it; a message for one that is not is the i18n key sbom.err.cpe.
func ValidCPE(s string) bool { return cpe23Pattern.MatchString(s) || cpe22Pattern.MatchString(s) }

// CanonicalPURL returns the package URL s in its canonical form (the purl specification,
// read by github.com/package-url/packageurl-go), or the parser's error when s is not one
// (i18n key sbom.err.purl).
func CanonicalPURL(s string) (string, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return "", err
	}
	return p.ToString(), nil
}
