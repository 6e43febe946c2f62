//go:build race

package main

// Under go test -race, the raftlab binary the tests start is built with
// the race detector too.
func init() { buildRace = true }
