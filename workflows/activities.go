package workflows

import "github.com/tabiji/tabiji/activities"

// acts names the activities by method value (workflow.ExecuteActivity(ctx,
// acts.Send, in)), as Temporal's reference app does, so the compiler checks
// every call's activity and argument types. It stays nil and is never
// dereferenced: the SDK takes the method's name ("Send", the name the worker
// registered) and runs the *activities.Activities the worker holds.
var acts *activities.Activities
