// Package iam holds the service-linked roles of Application Auto Scaling and serves the
// subset of the IAM API (query protocol, Version 2010-05-08, on the shared endpoint,
// requests signed for "iam") that shows and deletes them: GetRole, ListRoles,
// CreateServiceLinkedRole, DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus.
// One file per operation.
//
// The first registration of a scalable target in a namespace creates the account's
// service-linked role for it ([Service.EnsureServiceLinkedRole]): the role
// AWSServiceRoleForApplicationAutoScaling_<Suffix> at path
// /aws-service-role/<namespace>.application-autoscaling.amazonaws.com/, whose trust policy
// lets that service principal sts:AssumeRole, as AWS creates it. Roles live in the store's
// record table under iam/role/<account>/<name>; deletion tasks under
// iam/deletion/<account>/<uuid>.
//
// DeleteServiceLinkedRole answers at once with a deletion task id, as IAM does; the task
// then runs in the background: when scalable targets of the role's namespace still exist
// in the account ([Options.InUse]) it FAILS with a Reason and the RoleUsageList of those
// resources by region, otherwise the role is deleted and the task SUCCEEDS.
// GetServiceLinkedRoleDeletionStatus reports it, and resumes a task a restart interrupted.
//
// The account of a request is the caller's ([authn.CallerOf]): roles of other accounts do
// not exist for it.
package iam
