// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

namespace PveTokens.Models;

/// <summary>What one row of an access plan does.</summary>
public enum PveAccessChangeAction
{
    /// <summary>A declared object is missing: create it.</summary>
    Create,

    /// <summary>An object differs from its declaration: change the fields that differ.</summary>
    Update,

    /// <summary>A token's secret is due (RenewBefore): give it a new secret and expiry.</summary>
    Rotate,

    /// <summary>A declared ACL entry is missing (or has the other propagate flag): grant it.</summary>
    Grant,

    /// <summary>An owned ACL entry is not declared: revoke it (only with -Prune).</summary>
    Revoke,

    /// <summary>An owned object is not declared: remove it (only with -Prune).</summary>
    Remove,
}

/// <summary>The kind of object a plan row is about.</summary>
public enum PveAccessObjectType
{
    /// <summary>A custom role.</summary>
    Role,

    /// <summary>A group.</summary>
    Group,

    /// <summary>A user (service account).</summary>
    User,

    /// <summary>An API token.</summary>
    Token,

    /// <summary>An ACL entry (path, principal, role).</summary>
    Acl,
}

/// <summary>What became of a plan row.</summary>
public enum PveAccessChangeStatus
{
    /// <summary>Planned, not applied (Get-PveAccessPlan, -WhatIf).</summary>
    Planned,

    /// <summary>Applied: the server confirmed it.</summary>
    Done,

    /// <summary>The server refused it; nothing changed for this row.</summary>
    Failed,

    /// <summary>The answer was lost and reading back could not tell: check before applying again (the next plan shows the truth).</summary>
    Unknown,

    /// <summary>Not applied: declined at the prompt, a removal without -Prune, or a change that would cut the session's own rights.</summary>
    Skipped,
}
