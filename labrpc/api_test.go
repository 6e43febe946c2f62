package labrpc_test

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"raftlab/labgob"
	"raftlab/labrpc"
)

// The course API, pinned to its exact signatures: if any of these lines
// stops compiling, course harnesses stop compiling too.
var (
	_ func() *labrpc.Network                       = labrpc.MakeNetwork
	_ func(*labrpc.Network)                        = (*labrpc.Network).Cleanup
	_ func(*labrpc.Network, bool)                  = (*labrpc.Network).Reliable
	_ func(*labrpc.Network, bool)                  = (*labrpc.Network).LongReordering
	_ func(*labrpc.Network, bool)                  = (*labrpc.Network).LongDelays
	_ func(*labrpc.Network, any) *labrpc.ClientEnd = (*labrpc.Network).MakeEnd
	_ func(*labrpc.Network, any, *labrpc.Server)   = (*labrpc.Network).AddServer
	_ func(*labrpc.Network, any)                   = (*labrpc.Network).DeleteServer
	_ func(*labrpc.Network, any, any)              = (*labrpc.Network).Connect
	_ func(*labrpc.Network, any, bool)             = (*labrpc.Network).Enable
	_ func(*labrpc.Network, any) int               = (*labrpc.Network).GetCount
	_ func(*labrpc.Network) int                    = (*labrpc.Network).GetTotalCount
	_ func(*labrpc.Network) int64                  = (*labrpc.Network).GetTotalBytes

	_ func() *labrpc.Server                          = labrpc.MakeServer
	_ func(*labrpc.Server, *labrpc.Service)          = (*labrpc.Server).AddService
	_ func(*labrpc.Server) int                       = (*labrpc.Server).GetCount
	_ func(any) *labrpc.Service                      = labrpc.MakeService
	_ func(*labrpc.ClientEnd, string, any, any) bool = (*labrpc.ClientEnd).Call

	_ func(io.Writer) *labgob.LabEncoder            = labgob.NewEncoder
	_ func(*labgob.LabEncoder, any) error           = (*labgob.LabEncoder).Encode
	_ func(*labgob.LabEncoder, reflect.Value) error = (*labgob.LabEncoder).EncodeValue
	_ func(io.Reader) *labgob.LabDecoder            = labgob.NewDecoder
	_ func(*labgob.LabDecoder, any) error           = (*labgob.LabDecoder).Decode
	_ func(any)                                     = labgob.Register
	_ func(string, any)                             = labgob.RegisterName
)

// The way course code uses the API, end to end, from outside the package.
type CourseArgs struct{ X int }
type CourseServer struct{}

func (cs *CourseServer) Handler(args int, reply *int) { *reply = args * 2 }

func TestCourseStyleUse(t *testing.T) {
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	end := net.MakeEnd("course-end")
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(&CourseServer{}))
	net.AddServer("course-srv", srv)
	net.Connect("course-end", "course-srv")
	net.Enable("course-end", true)
	var reply int
	if !end.Call("CourseServer.Handler", 21, &reply) || reply != 42 {
		t.Fatalf("Call: reply %d", reply)
	}
	if net.GetCount("course-srv") != 1 || net.GetTotalCount() != 1 || net.GetTotalBytes() == 0 {
		t.Fatalf("counts %d %d %d", net.GetCount("course-srv"), net.GetTotalCount(), net.GetTotalBytes())
	}
	var w bytes.Buffer
	e := labgob.NewEncoder(&w)
	e.Encode(CourseArgs{X: 3})
	var got CourseArgs
	labgob.NewDecoder(&w).Decode(&got)
	if got.X != 3 {
		t.Fatalf("labgob round trip: %+v", got)
	}
}
