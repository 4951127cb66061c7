// Package assetio reads and writes the asset inventory as the CSV and XLSX spreadsheets
// hospitals keep [M1].
//
// Reading (ReadCSV, ReadXLSX) is all-or-nothing: every problem of every row is collected
// into one *medsec.ValidationError whose errors name the file, the line (for XLSX, the
// sheet row) and the column as its header is written in the file:
//
//	assets.csv: line 14: ip: "10.0.0.300" is not an IP address
//
// What a file may hold:
//
//   - Header row: the first non-blank row, after any title rows (rows with one filled
//     cell that names no column, such as "○○醫院 醫療儀器資產清冊"). Columns are named by their canonical English
//     names (name, kind, site, ... status; see WriteCSV) or their zh-TW, zh-CN or ja
//     headers (名稱/名称/名称, IP位址/IP地址/IPアドレス, ...) or common synonyms, compared
//     without regard to case, width, spaces, '_' and '-'; a trailing remark in
//     parentheses is ignored. The name and site columns are required; unknown and
//     repeated columns are errors. Columns may come in any order.
//   - Rows: blank rows are skipped. Cells are trimmed. ips, macs and connectivity hold
//     several values separated by ';', ',', '、' or line breaks (ips and macs also by
//     spaces). Enumerated cells (kind, connectivity, data_class, patching_permitted,
//     default_credentials, level, status) take the canonical values or their
//     translations (敏感/个人敏感/要配慮個人情報, 是/否/はい/いいえ, 普/中/高, ...). Dates are
//     YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年MM月DD日, and Excel date serials in XLSX.
//     MACs may be written with colons, hyphens, Cisco dots or as bare hex digits.
//   - The site, department, vendor and responsible person are names; the store resolves
//     them to IDs, so AssetRow carries them beside the Asset.
//
// Each row's Asset has been through Normalize and Validate (except Validate's check of
// SiteID, which the store sets from the site name).
//
// CSV encodings. A hospital's CSV may come from an old Excel in the local code page. The
// rule, in order:
//
//  1. A UTF-8 byte-order mark means UTF-8; a UTF-16 byte-order mark means UTF-16 in
//     that byte order (Excel's "Unicode text").
//  2. Otherwise text that is valid UTF-8 is UTF-8.
//  3. Otherwise the file is decoded as Big5, GB18030 and Shift_JIS (golang.org/x/text);
//     an encoding under which any byte sequence does not decode is out. These encodings
//     overlap, so the same bytes often decode under two of them; of those that decode,
//     the one whose multi-byte characters fall most often in its frequent-character
//     range wins: Big5 level-1 hanzi (lead bytes A4–C6), GB2312 level-1 hanzi (B0–D7),
//     Shift_JIS kana and JIS level-1 kanji (82–83, 88–98). Ties go to the first in the
//     order above.
//  4. If none decodes every byte, the file is rejected, naming the line of the first
//     byte that is not UTF-8.
//
// Fields may be separated by commas, tabs or semicolons: whichever the header row holds
// most of (commas on a tie).
//
// Writing (WriteCSV, WriteXLSX) produces the canonical English columns, and a file written
// reads back to the same rows. Template writes an empty workbook with the headers in one
// of the four languages.
package assetio
