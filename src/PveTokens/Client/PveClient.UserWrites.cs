// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

// User writes (api.md §5.2): POST /access/users, PUT and DELETE /access/users/{userid}. The policy
// apply creates service accounts without a password (they authenticate with their tokens).
internal sealed partial class PveClient
{
    /// <summary><c>POST /access/users</c> with the declared comment, enable flag, expiry and groups.</summary>
    internal Task CreateUserAsync(PolicyUser user, CancellationToken cancellationToken)
    {
        var form = new PveParameters().Add("userid", user.Id).Add("enable", user.Enabled).Add("expire", user.Expire);
        if (!string.IsNullOrEmpty(user.Comment))
        {
            form.Add("comment", user.Comment!);
        }

        if (user.Groups.Count > 0)
        {
            form.Add("groups", string.Join(",", user.Groups));
        }

        return PostAsync<JsonElement>("/access/users", form, cancellationToken);
    }

    /// <summary><c>PUT /access/users/{userid}</c> with exactly the fields set in <paramref name="update"/>; groups replace the memberships.</summary>
    internal Task UpdateUserAsync(string userId, PolicyUserUpdate update, CancellationToken cancellationToken)
    {
        var form = new PveParameters();
        if (update.Comment is not null || update.ClearComment)
        {
            form.Add("comment", update.Comment ?? string.Empty);
        }

        if (update.Enabled is bool enabled)
        {
            form.Add("enable", enabled);
        }

        if (update.Expire is long expire)
        {
            form.Add("expire", expire);
        }

        if (update.Groups is not null)
        {
            // An empty list clears the memberships: PVE's groups parameter is a list and "" is an empty one.
            form.Add("groups", string.Join(",", update.Groups));
        }

        return PutAsync<JsonElement>("/access/users/" + Segment(userId), form, cancellationToken);
    }

    /// <summary><c>DELETE /access/users/{userid}</c> (PVE drops the user's tokens, memberships and ACL entries).</summary>
    internal Task DeleteUserAsync(string userId, CancellationToken cancellationToken) =>
        DeleteAsync<JsonElement>("/access/users/" + Segment(userId), null, cancellationToken);
}
