// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace PveTokens.Client;

/// <summary>One realm of <c>GET /access/domains</c>.</summary>
internal sealed class RealmInfo
{
    internal RealmInfo(string realm, string type, string? comment)
    {
        Realm = realm;
        Type = type;
        Comment = comment;
    }

    internal string Realm { get; }

    /// <summary>pam, pve, ldap, ad or openid.</summary>
    internal string Type { get; }

    internal string? Comment { get; }
}

// GET /access/domains (api.md §5.6): the realms, readable without authentication; for completion.
internal sealed partial class PveClient
{
    internal async Task<IReadOnlyList<RealmInfo>> GetRealmsAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, "/access/domains", null, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return PveJson.Items(data)
            .Select(item => (Realm: PveJson.GetString(item, "realm"), Type: PveJson.GetString(item, "type"), Comment: PveJson.GetString(item, "comment")))
            .Where(r => !string.IsNullOrEmpty(r.Realm))
            .Select(r => new RealmInfo(r.Realm!, r.Type ?? string.Empty, r.Comment))
            .OrderBy(r => r.Realm, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }
}
