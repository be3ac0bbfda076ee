// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Revokes roles from API tokens, users or groups on an ACL path (<c>PUT /access/acl</c> with
/// <c>delete=1</c>), sending nothing for entries that are already gone.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "PveAcl", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(PveAcl))]
public sealed class RemovePveAclCommand : PveAclChangeCommandBase
{
    /// <summary>Gets or sets the roles to revoke; wildcards match the roles the principal holds on the path.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = UserSet)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = GroupSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    [ValidateWildcard]
    [ArgumentCompleter(typeof(RoleCompleter))]
    public string[] Role { get; set; } = Array.Empty<string>();

    private protected override bool Delete => true;

    private protected override string[] RoleNames => Role;

    private protected override bool PropagateFlag => true;

    private protected override bool RolesMayBePatterns => true;

    private protected override string Verb => "Revoking";
}
