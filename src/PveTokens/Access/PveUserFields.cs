// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;

namespace PveTokens.Access;

/// <summary>
/// Token settings as one PVE answer reports them. A field PVE left out is null: the POST `info` echo
/// only names what was sent, and GET …/token/{tokenid} has no `tokenid`.
/// </summary>
internal sealed class PveTokenFields
{
    public string? TokenId { get; set; }

    public string? Comment { get; set; }

    public long? Expire { get; set; }

    public bool? PrivilegeSeparation { get; set; }

    /// <summary>`full-tokenid` of a POST, or of a PUT with regenerate=1.</summary>
    public string? FullTokenId { get; set; }

    /// <summary>`value` of a POST, or of a PUT with regenerate=1: the one-time secret.</summary>
    public SecureString? Secret { get; set; }
}

/// <summary>
/// One user of `GET /access/users?full=1` (api.md §9): the account, the state that governs its tokens,
/// and the tokens. Get-PveUser, Get-PveApiToken and the completers all read this one record.
/// </summary>
internal sealed class PveUserFields
{
    public string UserId { get; set; } = string.Empty;

    /// <summary>`enable` (PVE's default is 1 when absent).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>`expire` in epoch seconds, 0 = never.</summary>
    public long Expire { get; set; }

    /// <summary>`groups`: a comma string in the index, an array in GET /access/users/{id}; either is read.</summary>
    public List<string> Groups { get; } = new();

    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    public string? Email { get; set; }

    public string? Comment { get; set; }

    /// <summary>`realm-type` (pam, pve, ldap, ad, openid), when PVE reports it.</summary>
    public string? RealmType { get; set; }

    public List<PveTokenFields> Tokens { get; } = new();

    /// <summary>The token names (after '!'), sorted ordinally.</summary>
    public string[] TokenNames()
    {
        string[] names = Tokens.Select(t => t.TokenId).Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        return names;
    }
}
