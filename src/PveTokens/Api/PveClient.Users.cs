// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace PveTokens.Api;

/// <summary>One user of <c>GET /access/users?full=1</c> (api.md §9).</summary>
internal sealed class UserInfo
{
    internal string UserId { get; set; } = string.Empty;

    internal bool Enabled { get; set; } = true;

    /// <summary>Epoch seconds, 0 = never.</summary>
    internal long Expire { get; set; }

    internal IReadOnlyList<string> Groups { get; set; } = Array.Empty<string>();

    /// <summary>Token names (after '!'), sorted.</summary>
    internal IReadOnlyList<string> TokenNames { get; set; } = Array.Empty<string>();

    internal string? FirstName { get; set; }

    internal string? LastName { get; set; }

    internal string? Email { get; set; }

    internal string? Comment { get; set; }

    internal string? RealmType { get; set; }
}

// GET /access/users?full=1: every visible user with groups and tokens in one call (a protected call:
// real PVE closes the connection after it, the client carries on with a new one).
internal sealed partial class PveClient
{
    internal async Task<IReadOnlyList<UserInfo>> GetUsersAsync(CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(HttpMethod.Get, "/access/users", new PveParameters().Add("full", true), ReadDataElementAsync, cancellationToken)
            .ConfigureAwait(false);
        return ParseUsers(data);
    }

    /// <summary>
    /// Reads the index shape: <c>groups</c> is a comma string, <c>tokens</c> an array or null;
    /// booleans and integers as numbers or numeric strings.
    /// </summary>
    internal static IReadOnlyList<UserInfo> ParseUsers(JsonElement data)
    {
        var users = new List<UserInfo>();
        if (data.ValueKind != JsonValueKind.Array)
        {
            return users;
        }

        foreach (JsonElement item in data.EnumerateArray())
        {
            string? id = Text(item, "userid");
            if (id is null)
            {
                continue;
            }

            var user = new UserInfo
            {
                UserId = id,
                Enabled = !PveJson.TryGetProperty(item, "enable", out JsonElement e) || (PveJson.GetBoolean(e) ?? true),
                Expire = PveJson.TryGetProperty(item, "expire", out JsonElement x) ? PveJson.GetInt64(x) ?? 0 : 0,
                FirstName = Text(item, "firstname"),
                LastName = Text(item, "lastname"),
                Email = Text(item, "email"),
                Comment = Text(item, "comment"),
                RealmType = Text(item, "realm-type"),
            };
            if (PveJson.TryGetProperty(item, "groups", out JsonElement g))
            {
                // The index sends a comma string; GET /access/users/{id} an array: take either.
                IEnumerable<string?> names = g.ValueKind == JsonValueKind.Array
                    ? g.EnumerateArray().Select(PveJson.GetString)
                    : (PveJson.GetString(g) ?? string.Empty).Split(',', ';', ' ');
                user.Groups = names.Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToArray();
            }

            if (PveJson.TryGetProperty(item, "tokens", out JsonElement t) && t.ValueKind == JsonValueKind.Array)
            {
                user.TokenNames = t.EnumerateArray()
                    .Select(tok => Text(tok, "tokenid"))
                    .Where(n => n is not null)
                    .Select(n => n!)
                    .OrderBy(n => n, StringComparer.Ordinal)
                    .ToArray();
            }

            users.Add(user);
        }

        return users;
    }

    private static string? Text(JsonElement item, string name)
    {
        string? value = PveJson.TryGetProperty(item, name, out JsonElement v) ? PveJson.GetString(v) : null;
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
