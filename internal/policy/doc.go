// Package policy decides, for one scalable target, whether and how far a scaling policy moves its
// capacity: target tracking (with ElastiCache's own shard and replica rules), step scaling,
// cooldowns, suspension and the [min, max] clamp. It is pure: no I/O, no goroutines, no clock.
// The controller passes in the target's state, what it remembers of recent policy-driven
// activities ([Cooldowns]), the metric values and the current time, and turns the returned
// [Decision] into a scaling activity (or a not-scaled activity). [Description] and [Fulfilled]
// word those activities as AWS does.
//
// # Sources
//
//   - Application Auto Scaling User Guide: "Target tracking scaling policies" (considerations,
//     cooldown period, multiple policies), "Step scaling policies" (step adjustments, the worked
//     example with a 50 % threshold, adjustment types and their rounding, MinAdjustmentMagnitude,
//     cooldown period), "Scaling activities" (not scaled reason codes).
//   - Application Auto Scaling API Reference: StepAdjustment (bounds inclusive above the threshold,
//     exclusive below), StepScalingPolicyConfiguration.Cooldown (default 300 s),
//     TargetTrackingScalingPolicyConfiguration (default cooldowns per namespace), NotScaledReason.
//   - ElastiCache User Guide: "Target tracking scaling policies" for shards and for replicas (the
//     50-shard examples, max(deviation, 1) replicas, scale-in only at or below 75 % of target).
//   - The project's docs/aas-semantics.md sections 5, 6, 8 and 9 and resources.md A.4 and D.3,
//     which collect the above.
//
// # Choices where AWS is silent
//
// AWS does not publish its target tracking formula. This package uses, for capacity c, metric m
// and target t (t > 0):
//
//   - scale-out: ceil(c·m/t), and at least c+1, when m > t;
//   - scale-in: ceil(c·m/t) when m < t, so that the metric, spread over the remaining capacity,
//     would not exceed the target. When that leaves c unchanged (removing even one unit would push
//     the metric over the target and set off the scale-out alarm) the reason is
//     AutoScalingAnticipatedFlapping;
//   - a target of zero or less cannot be tracked proportionally: such a policy moves by one unit.
//
// Ceilings forgive a relative error of 1e-9, so that 50 shards at a 30 % breach give 65, not 66.
//
// ElastiCache replication groups (see elasticache.go): NodeGroups scale out by
// max(ceil(deviation·c), ceil(0.2·c), 1) where deviation = (m−t)/t, when m ≥ t; Replicas by
// max(round(deviation·c), 1). Both scale in only when m ≤ 0.75·t (the guide says "below 75
// percent" and, in its example, "less than or equal to 45 percent" for a target of 60; the
// example wins); shards then follow the proportional rule above, replicas lose at most one.
//
// Several target tracking policies on one target: every policy whose latest metric is above its
// target proposes a scale-out, and the largest proposal wins, so the result does not depend on
// which alarm the controller handles first. Scale-in happens only if every policy with scale-in
// enabled has data and proposes less than the current capacity; the largest proposal (the most
// conservative) wins. Policies with DisableScaleIn, and every policy of the kafka namespace, take
// no part in scale-in.
//
// Cooldowns (the same for both policy types): during a scale-out cooldown the capacity added by
// the scale-out that started it counts, so the new capacity is computed from the capacity before
// that scale-out and applied only if it exceeds the current one ("+3 after a +2 adds 1"). A
// scale-in waits for the scale-in cooldown, unless a scale-out happened since the last scale-in
// (a scale-out cancels the scale-in cooldown). A scale-in also waits for a running scale-out
// cooldown: our choice, so that capacity just added is not removed before it has had an effect.
// A scale-out never waits for a scale-in cooldown.
//
// Every duration AWS defines (cooldowns, including the ones a user configures in seconds) is
// divided by the server's time scale before it is compared with the clock. [Cooldowns] and
// [Decision.Cooldown] hold durations as AWS defines them, not divided.
//
// A current capacity outside [min, max] is moved to the nearest bound before anything else,
// whatever the alarm, the cooldowns or the suspension flags (as RegisterScalableTarget does).
package policy
