package medsec

// Message is text medsec writes for people (an incident's timeline entry, a custody step,
// a description), kept as a message key and its arguments so that each reader sees it in
// their own language. Text a person typed is never a Message; it stays as typed.
type Message struct {
	Key  string       `json:"key"`
	Args []MessageArg `json:"args,omitempty"`
}

// MessageArg is one argument of a Message: Text as it is (a name, a number, a person's
// words); or Key, a message key put in as its text in the reader's language (Text, when
// set, is shown instead where the key has no text, e.g. an imported rule's title); or
// Keys, a list of message keys put in as a list.
type MessageArg struct {
	Text string   `json:"text,omitempty"`
	Key  string   `json:"key,omitempty"`
	Keys []string `json:"keys,omitempty"`
}

// Msg returns the message key with its arguments.
func Msg(key string, args ...MessageArg) *Message { return &Message{Key: key, Args: args} }

// ArgText is a literal argument.
func ArgText(s string) MessageArg { return MessageArg{Text: s} }

// ArgKey is an argument translated in the reader's language.
func ArgKey(key string) MessageArg { return MessageArg{Key: key} }
