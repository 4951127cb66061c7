package logs

// The minimum content of a log record, from 000 日誌紀錄內容 (級別「中」「高」):
// "日誌紀錄格式至少應包含發生事件、發生時間、使用者等追蹤資訊" — the event, its
// time and the user, plus the source it came from (issue 12), so a record
// can be traced.
const (
	// MinEvent is the event: event.action, event.code or a message.
	MinEvent = "event"
	// MinTime is the record's own time (@timestamp), not the receive time.
	MinTime = "time"
	// MinUser is the user: user.name, source.user.name or destination.user.name.
	MinUser = "user"
	// MinSource is where it happened: host.name, host.ip, source.ip,
	// observer.hostname or observer.ip.
	MinSource = "source"
)

// MinimumFields lists the four items of the minimum content in the order
// Missing reports them.
var MinimumFields = []string{MinEvent, MinTime, MinUser, MinSource}

// minimumAny maps each item to the Fields names any one of which fills it.
var minimumAny = map[string][]string{
	MinEvent:  {"event.action", "event.code", "message"},
	MinTime:   {"@timestamp"},
	MinUser:   {"user.name", "source.user.name", "destination.user.name"},
	MinSource: {"host.name", "host.ip", "source.ip", "observer.hostname", "observer.ip"},
}

// Missing returns the items of the minimum content (MinEvent, MinTime,
// MinUser, MinSource) that the record lacks: none of their fields is set
// to a non-empty value. It returns nil for a complete record.
func Missing(fields map[string]any) []string {
	var out []string
	for _, item := range MinimumFields {
		found := false
		for _, name := range minimumAny[item] {
			switch v := fields[name].(type) {
			case nil:
			case string:
				found = found || v != ""
			default:
				found = true
			}
		}
		if !found {
			out = append(out, item)
		}
	}
	return out
}
