// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;

namespace PveTokens.Models;

/// <summary>A Proxmox VE role: a named set of privileges that ACL entries grant.</summary>
public sealed class PveRole
{
    /// <summary>The role id, e.g. <c>PVEVMUser</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The privileges the role grants, sorted (empty for <c>NoAccess</c>).</summary>
    public string[] Privileges { get; set; } = Array.Empty<string>();

    /// <summary>True for PVE's built-in roles (PVE's <c>special</c> flag); they cannot be changed or deleted.</summary>
    public bool IsBuiltIn { get; set; }

    /// <summary>The session (server) the role was read from.</summary>
    public PveSession? Session { get; set; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
