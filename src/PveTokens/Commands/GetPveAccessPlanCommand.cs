// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Linq;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Compares an access policy file with each server and lists the changes that would make the server
/// match it, in apply order, or with -Summary their counts. Reads a fixed four requests per server
/// and changes nothing.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PveAccessPlan")]
[OutputType(typeof(PveAccessPlanChange), typeof(PveAccessPlanSummary))]
public sealed class GetPveAccessPlanCommand : PveAccessPolicyCmdletBase
{
    /// <summary>Gets or sets the policy file (.psd1, or .json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets whether to output one summary row per server instead of the changes.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    internal override void ProcessSession(PveSession session)
    {
        PolicyDocument? policy = LoadPolicy(Path);
        if (policy is null || PlanFor(session, policy, out _) is not PolicyPlan plan)
        {
            return;
        }

        if (Summary)
        {
            WriteObject(Summarize(plan, session));
            return;
        }

        foreach (PolicyChange change in plan.Changes)
        {
            WriteObject(ToRow(change, session));
        }
    }

    internal static PveAccessPlanSummary Summarize(PolicyPlan plan, PveSession session) => new(session)
    {
        Create = plan.Changes.Count(c => c.Action == PveAccessChangeAction.Create),
        Update = plan.Changes.Count(c => c.Action == PveAccessChangeAction.Update),
        Rotate = plan.Changes.Count(c => c.Action == PveAccessChangeAction.Rotate),
        Grant = plan.Changes.Count(c => c.Action == PveAccessChangeAction.Grant),
        Revoke = plan.Changes.Count(c => c.Action == PveAccessChangeAction.Revoke),
        Remove = plan.Changes.Count(c => c.Action == PveAccessChangeAction.Remove),
        Protected = plan.Changes.Count(c => c.ProtectedBecause is not null),
        Unmanaged = plan.Unmanaged,
    };
}
