// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>
/// The answer of <c>GET /access/users?full=1</c> (api.md §9), kept as bytes and parsed user by user
/// with <see cref="PveTokenJson.ReadUsersFull"/> each time it is enumerated, so a caller can emit a
/// user's tokens before the next user is parsed.
/// </summary>
internal sealed class PveUserList : IEnumerable<PveUserFields>
{
    private readonly ReadOnlyMemory<byte> _body;

    internal PveUserList(ReadOnlyMemory<byte> body) => _body = body;

    /// <summary>The size of the answer in bytes, for progress.</summary>
    internal long Length => _body.Length;

    /// <summary>Parses the users lazily; <paramref name="progress"/> receives the bytes consumed after each user.</summary>
    internal IEnumerable<PveUserFields> Read(Action<long>? progress) => PveTokenJson.ReadUsersFull(_body, progress);

    public IEnumerator<PveUserFields> GetEnumerator() => Read(null).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

// GET /access/users?full=1: every visible user with groups and tokens in one call (a protected call:
// real PVE closes the connection after it, the client carries on with a new one).
internal sealed partial class PveClient
{
    /// <summary>
    /// `GET /access/users?full=1`: every user the caller may see with its groups and tokens. The one
    /// client call behind Get-PveUser, Get-PveApiToken and the -UserId/-TokenId completers.
    /// </summary>
    internal async Task<PveUserList> GetUsersAsync(CancellationToken cancellationToken) =>
        new(await SendAsync(HttpMethod.Get, "/access/users", new PveParameters().Add("full", true), ReadAllBytesAsync, cancellationToken)
            .ConfigureAwait(false));

    /// <summary>
    /// `GET /access/users/{userid}`: one user with its state and tokens. Needs Sys.Audit or User.Modify
    /// on one of the user's groups (or /access/groups): unlike the token list, being the user is not enough.
    /// </summary>
    internal async Task<PveUserFields> GetUserAsync(string userId, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> body = await SendAsync(HttpMethod.Get, "/access/users/" + Segment(userId), null, ReadAllBytesAsync, cancellationToken)
            .ConfigureAwait(false);
        return PveTokenJson.ReadUser(body.Span, userId);
    }
}
