package redisgroup

import "fmt"

// checkSafeToStop says why the cluster node id must not be stopped, judging from every view
// given (node name -> its CLUSTER NODES): it owns slots in some view, it has open slots or is
// the other end of one, or a replica that is not in gone (stopped already) follows it. It is
// the guard of resources.md B.7-4: a primary that owns slots or has replicas is never stopped.
// The node's own view must be among the views.
func checkSafeToStop(id string, views map[string][]clusterNode, gone map[string]bool) error {
	sawSelf := false
	for name, v := range views {
		for _, n := range v {
			if n.ID == id {
				if n.Myself {
					sawSelf = true
					if n.hasOpenSlots() {
						return fmt.Errorf("node %.8s has open slots (migrating %v, importing %v)", id, keysOf(n.Migrating), keysOf(n.Importing))
					}
				}
				if n.Master && len(n.Slots) > 0 {
					return fmt.Errorf("node %.8s owns slots %s according to %s", id, formatRanges(n.Slots), name)
				}
				continue
			}
			if n.MasterID == id && !gone[n.ID] {
				return fmt.Errorf("replica %.8s (port %d) still follows node %.8s according to %s", n.ID, n.Port, id, name)
			}
			if n.Myself {
				for s, dst := range n.Migrating {
					if dst == id {
						return fmt.Errorf("slot %d is migrating to node %.8s", s, id)
					}
				}
				for s, src := range n.Importing {
					if src == id {
						return fmt.Errorf("slot %d is importing from node %.8s", s, id)
					}
				}
			}
		}
	}
	if !sawSelf {
		return fmt.Errorf("node %.8s: its own view is missing, cannot tell whether it is safe to stop", id)
	}
	return nil
}
