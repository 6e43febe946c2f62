package linearizability

import (
	"fmt"
	"strings"
)

// Key/value operations, the values of KvInput.Op.
const (
	KvGet    uint8 = 0
	KvPut    uint8 = 1
	KvAppend uint8 = 2
)

// KvInput is the input of a key/value operation.
type KvInput struct {
	Op    uint8 // KvGet, KvPut or KvAppend
	Key   string
	Value string // ignored by Get
}

// KvOutput is the output of a key/value operation. Only a Get's output is
// looked at; Put and Append may record KvOutput{} or nil.
type KvOutput struct {
	Value string
}

// KvModel is a key/value store of strings, the service of the kvraft lab:
// Get returns the current value ("" for a missing key), Put replaces it,
// Append appends to it. Keys are independent, so histories are checked one
// key at a time. Inputs must be KvInput and Get outputs KvOutput; anything
// else makes the check fail with an error saying so.
var KvModel = Model{
	Partition:         kvPartition,
	DescribePartition: kvDescribePartition,
	Init:              func() any { return "" },
	Step:              kvStep,
	Equal:             func(a, b any) bool { return a.(string) == b.(string) },
	DescribeOperation: kvDescribeOperation,
	DescribeState:     func(s any) string { return quote(fmt.Sprint(s)) },
}

func kvInput(input any) KvInput {
	in, ok := input.(KvInput)
	if !ok {
		panic(fmt.Sprintf("KvModel: input is %T (%v), want KvInput", input, input))
	}
	return in
}

// kvPartition splits a history by key, keys in order of first appearance
// and each part in the history's order.
func kvPartition(history []Operation) [][]Operation {
	index := make(map[string]int)
	var parts [][]Operation
	for _, op := range history {
		k := kvInput(op.Input).Key
		i, ok := index[k]
		if !ok {
			i = len(parts)
			index[k] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return parts
}

func kvDescribePartition(part []Operation) string {
	if len(part) == 0 {
		return "no operations"
	}
	return "key " + quote(kvInput(part[0].Input).Key)
}

func kvStep(state, input, output any) (bool, any) {
	st := state.(string)
	in := kvInput(input)
	switch in.Op {
	case KvGet:
		out, ok := output.(KvOutput)
		if !ok {
			panic(fmt.Sprintf("KvModel: output of %s is %T (%v), want KvOutput", kvDescribeOperation(input, nil), output, output))
		}
		return out.Value == st, st
	case KvPut:
		return true, in.Value
	case KvAppend:
		return true, st + in.Value
	}
	panic(fmt.Sprintf("KvModel: unknown Op %d in %+v (want KvGet, KvPut or KvAppend)", in.Op, in))
}

// kvDescribeOperation renders get('k') -> 'v', put('k', 'v') and
// append('k', 'v'). It never panics: it also draws inputs the model rejects.
func kvDescribeOperation(input, output any) string {
	in, ok := input.(KvInput)
	if !ok {
		return fmt.Sprintf("%v -> %v", input, output)
	}
	switch in.Op {
	case KvGet:
		if out, ok := output.(KvOutput); ok {
			return fmt.Sprintf("get(%s) -> %s", quote(in.Key), quote(out.Value))
		}
		return fmt.Sprintf("get(%s) -> ?", quote(in.Key))
	case KvPut:
		return fmt.Sprintf("put(%s, %s)", quote(in.Key), quote(in.Value))
	case KvAppend:
		return fmt.Sprintf("append(%s, %s)", quote(in.Key), quote(in.Value))
	}
	return fmt.Sprintf("op%d(%s, %s)", in.Op, quote(in.Key), quote(in.Value))
}

// quote puts s in single quotes, escaping backslashes, quotes and control
// characters, so an empty or odd value is visible on the page.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
