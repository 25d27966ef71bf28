package iam

import (
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// RolePrefix is the name prefix of Application Auto Scaling's service-linked roles.
const RolePrefix = "AWSServiceRoleForApplicationAutoScaling_"

// principalSuffix follows the namespace in the service principal of a service-linked role.
const principalSuffix = ".application-autoscaling.amazonaws.com"

// linkedService is a namespace with a service-linked role: the role's name, its service
// principal and its description. The names come from the namespace table of package
// autoscaling (NamespaceInfo.SLRSuffix), so that the role created here is the one whose ARN
// RegisterScalableTarget answers with.
type linkedService struct {
	Namespace, Principal, RoleName string
}

// Path is the role's path: /aws-service-role/<principal>/.
func (l linkedService) Path() string { return "/aws-service-role/" + l.Principal + "/" }

// Description is the role's description.
func (l linkedService) Description() string {
	return "Allows Application Auto Scaling to scale " + l.Namespace + " resources on your behalf."
}

func linkedFor(namespace string) (linkedService, bool) {
	i, ok := autoscaling.Namespace(namespace)
	if !ok || i.SLRSuffix == "" {
		return linkedService{}, false
	}
	return linkedService{Namespace: namespace, Principal: namespace + principalSuffix, RoleName: RolePrefix + i.SLRSuffix}, true
}

// linkedForPrincipal finds the namespace of a service principal
// (<namespace>.application-autoscaling.amazonaws.com).
func linkedForPrincipal(principal string) (linkedService, bool) {
	ns, ok := strings.CutSuffix(principal, principalSuffix)
	if !ok {
		return linkedService{}, false
	}
	return linkedFor(ns)
}

// linkedForRole finds the namespace of a service-linked role name.
func linkedForRole(name string) (linkedService, bool) {
	if !strings.HasPrefix(name, RolePrefix) {
		return linkedService{}, false
	}
	for _, ns := range autoscaling.Namespaces {
		if l, ok := linkedFor(ns); ok && l.RoleName == name {
			return l, true
		}
	}
	return linkedService{}, false
}
