// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The drift check for scheduled scripts: $true per server that matches the access policy, $false
/// per server that does not; with -Detailed the differences instead. A policy that cannot be planned
/// against a server (invalid file, unknown roles) writes errors and no result for it.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PveAccessPolicy")]
[OutputType(typeof(bool), typeof(PveAccessPlanChange))]
public sealed class TestPveAccessPolicyCommand : PveAccessPolicyCmdletBase
{
    /// <summary>Gets or sets the policy file (.psd1, or .json).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Gets or sets whether to output the differences (plan rows) instead of $true/$false.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    internal override void ProcessSession(PveSession session)
    {
        PolicyDocument? policy = LoadPolicy(Path);
        if (policy is null || PlanFor(session, policy, out _) is not PolicyPlan plan)
        {
            return;
        }

        if (!Detailed)
        {
            WriteObject(plan.Changes.Count == 0);
            return;
        }

        foreach (PolicyChange change in plan.Changes)
        {
            WriteObject(ToRow(change, session));
        }
    }
}
