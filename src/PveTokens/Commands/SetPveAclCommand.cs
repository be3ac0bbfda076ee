// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Management.Automation;
using PveTokens.Completion;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// Grants roles to API tokens, users or groups on an ACL path (<c>PUT /access/acl</c>), sending
/// nothing for entries that already exist with the same propagate flag.
/// </summary>
[Cmdlet(VerbsCommon.Set, "PveAcl", SupportsShouldProcess = true, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(PveAcl))]
public sealed class SetPveAclCommand : PveAclChangeCommandBase
{
    /// <summary>Gets or sets the roles to grant.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = UserSet)]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = GroupSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RoleCompleter))]
    public string[] Role { get; set; } = Array.Empty<string>();

    /// <summary>Gets or sets whether the roles apply below the path too (PVE's default: true).</summary>
    [Parameter(ParameterSetName = TokenSet)]
    [Parameter(ParameterSetName = UserSet)]
    [Parameter(ParameterSetName = GroupSet)]
    public bool Propagate { get; set; } = true;

    private protected override bool Delete => false;

    private protected override string[] RoleNames => Role;

    private protected override bool PropagateFlag => Propagate;

    private protected override string Verb => "Granting";
}
