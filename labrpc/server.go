package labrpc

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"

	"raftlab/labgob"
)

// Server is a collection of services, reachable under one server name.
type Server struct {
	mu       sync.Mutex
	services map[string]*Service
	count    int // incoming RPCs
}

// MakeServer returns a server with no services.
func MakeServer() *Server {
	return &Server{services: map[string]*Service{}}
}

// AddService makes svc's methods callable on this server.
func (rs *Server) AddService(svc *Service) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.services[svc.name] = svc
}

// GetCount returns how many requests this server has received.
func (rs *Server) GetCount() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.count
}

func (rs *Server) dispatch(svcMeth string, args []byte) replyMsg {
	rs.mu.Lock()
	rs.count++
	dot := strings.LastIndex(svcMeth, ".")
	var svc *Service
	if dot > 0 {
		svc = rs.services[svcMeth[:dot]]
	}
	var choices []string
	if svc == nil {
		for name := range rs.services {
			choices = append(choices, name)
		}
	}
	rs.mu.Unlock()

	if svc == nil {
		sort.Strings(choices)
		reportOnce(svcMeth, fmt.Sprintf("labrpc: unknown service in %q; this server has %v", svcMeth, choices))
		return replyMsg{}
	}
	return svc.dispatch(svcMeth[dot+1:], args)
}

// Service is an object whose handler methods can be called over the network,
// under the name of its type.
type Service struct {
	name    string
	rcvr    reflect.Value
	methods map[string]reflect.Method
}

// MakeService wraps rcvr, usually a pointer to a struct. Its exported
// methods of the form func (r *T) Name(args *A, reply *R) become callable as
// "T.Name"; its other methods are ignored.
func MakeService(rcvr any) *Service {
	svc := &Service{
		rcvr:    reflect.ValueOf(rcvr),
		name:    reflect.Indirect(reflect.ValueOf(rcvr)).Type().Name(),
		methods: map[string]reflect.Method{},
	}
	t := reflect.TypeOf(rcvr)
	for m := 0; m < t.NumMethod(); m++ {
		method := t.Method(m)
		mtype := method.Type
		if method.PkgPath != "" || // unexported
			mtype.NumIn() != 3 ||
			mtype.In(2).Kind() != reflect.Pointer ||
			mtype.NumOut() != 0 {
			continue // not a handler
		}
		svc.methods[method.Name] = method
	}
	return svc
}

func (svc *Service) dispatch(methname string, req []byte) replyMsg {
	method, ok := svc.methods[methname]
	if !ok {
		var choices []string
		for name := range svc.methods {
			choices = append(choices, name)
		}
		sort.Strings(choices)
		reportOnce(svc.name+"."+methname, fmt.Sprintf(
			"labrpc: unknown method %s in service %s; its handlers are %v", methname, svc.name, choices))
		return replyMsg{}
	}

	args := reflect.New(method.Type.In(1))
	if err := labgob.NewDecoder(bytes.NewReader(req)).Decode(args.Interface()); err != nil {
		report(fmt.Sprintf("labrpc: %s.%s: cannot decode the request: %v", svc.name, methname, err))
		return replyMsg{}
	}
	replyv := reflect.New(method.Type.In(2).Elem())

	method.Func.Call([]reflect.Value{svc.rcvr, args.Elem(), replyv})

	var rb bytes.Buffer
	if err := labgob.NewEncoder(&rb).EncodeValue(replyv); err != nil {
		report(fmt.Sprintf("labrpc: %s.%s: cannot encode the reply: %v", svc.name, methname, err))
		return replyMsg{}
	}
	return replyMsg{ok: true, reply: rb.Bytes()}
}

// diagnostics is where labrpc reports programming errors: unknown services
// and methods, and values that cannot be encoded or decoded. Tests redirect
// out; seen makes each unknown name reported once.
var diagnostics = struct {
	sync.Mutex
	out  io.Writer
	seen map[string]bool
}{out: os.Stderr, seen: map[string]bool{}}

// report prints msg on the diagnostics output.
func report(msg string) {
	diagnostics.Lock()
	defer diagnostics.Unlock()
	fmt.Fprintln(diagnostics.out, msg)
}

// reportOnce prints msg on the diagnostics output the first time key is
// reported.
func reportOnce(key, msg string) {
	diagnostics.Lock()
	defer diagnostics.Unlock()
	if diagnostics.seen[key] {
		return
	}
	diagnostics.seen[key] = true
	fmt.Fprintln(diagnostics.out, msg)
}
