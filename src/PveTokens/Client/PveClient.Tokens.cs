// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>The token endpoints of api.md §5.1 (the users index with tokens, §9, is in PveClient.Users.cs).</summary>
internal sealed partial class PveClient
{
    /// <summary>`GET /access/users/{userid}/token`.</summary>
    internal async Task<List<PveTokenFields>> GetTokensAsync(string userId, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> body = await SendAsync(HttpMethod.Get, TokensPath(userId), null, ReadAllBytesAsync, cancellationToken)
            .ConfigureAwait(false);
        return PveTokenJson.ReadTokenList(body.Span);
    }

    /// <summary>`GET /access/users/{userid}/token/{tokenid}`; the result has no TokenId (PVE leaves it out).</summary>
    internal async Task<PveTokenFields> GetTokenAsync(string userId, string tokenId, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> body = await SendAsync(HttpMethod.Get, TokenPath(userId, tokenId), null, ReadAllBytesAsync, cancellationToken)
            .ConfigureAwait(false);
        return PveTokenJson.ReadToken(body.Span);
    }

    /// <summary>
    /// `POST /access/users/{userid}/token/{tokenid}`. Only the settings given are sent; privsep is
    /// always sent explicitly (1 unless the caller asked for 0), so no server default is relied on.
    /// The result is the `info` echo plus `full-tokenid` and the one-time secret.
    /// </summary>
    internal async Task<PveTokenFields> CreateTokenAsync(string userId, string tokenId, PveTokenSettings settings,
        CancellationToken cancellationToken)
    {
        PveParameters form = TokenForm(settings.Comment, settings.Expire, settings.PrivilegeSeparation ?? true);
        ReadOnlyMemory<byte> body;
        try
        {
            body = await SendAsync(HttpMethod.Post, TokenPath(userId, tokenId), form, ReadAllBytesAsync, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (PveWriteOutcomeException unknown) when (unknown.Outcome == PveWriteOutcome.Unknown)
        {
            // The token exists now, or not; its secret cannot be read back either way.
            await VerifyWriteAsync(unknown, ct => TokenExistsAsync(userId, tokenId, ct), cancellationToken).ConfigureAwait(false);
            throw new PveTokenSecretLostException(userId, tokenId, created: true, unknown.Cause, unknown);
        }

        return PveTokenJson.ReadCreated(body.Span);
    }

    /// <summary>Whether the token exists (a read; PVE's "no such token/user" is false).</summary>
    internal async Task<bool> TokenExistsAsync(string userId, string tokenId, CancellationToken cancellationToken)
    {
        try
        {
            await GetTokenAsync(userId, tokenId, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PveApiException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// `PUT /access/users/{userid}/token/{tokenid}` with exactly the fields set in
    /// <paramref name="update"/> (a field left null is not sent, so it cannot change). Returns the
    /// token as the server answers it; with Regenerate also the new secret.
    /// </summary>
    internal async Task<PveTokenFields> UpdateTokenAsync(string userId, string tokenId, PveTokenUpdate update,
        CancellationToken cancellationToken)
    {
        PveParameters form = TokenForm(update.Comment, update.Expire, update.PrivilegeSeparation);
        if (update.DeleteComment)
        {
            // `delete=comment` (libpve-access-control >= 9.0.4) rather than `comment=`: an older server
            // refuses the unknown parameter with a 400 instead of silently keeping the comment.
            form.Add("delete", "comment");
        }

        if (update.Regenerate)
        {
            form.Add("regenerate", true);
        }

        try
        {
            ReadOnlyMemory<byte> body = await SendAsync(HttpMethod.Put, TokenPath(userId, tokenId), form, ReadAllBytesAsync, cancellationToken)
                .ConfigureAwait(false);
            return PveTokenJson.ReadToken(body.Span);
        }
        catch (PveWriteOutcomeException unknown) when (unknown.Outcome == PveWriteOutcome.Unknown && update.Regenerate)
        {
            // A secret cannot be read back: the token may have a new one that never arrived.
            throw new PveTokenSecretLostException(userId, tokenId, created: false, unknown.Cause, unknown);
        }
        catch (PveWriteOutcomeException unknown) when (unknown.Outcome == PveWriteOutcome.Unknown)
        {
            PveTokenFields? now = null;
            await VerifyWriteAsync(unknown, async ct =>
            {
                now = await GetTokenAsync(userId, tokenId, ct).ConfigureAwait(false);
                return IsUpdated(now, update);
            }, cancellationToken).ConfigureAwait(false);
            return now!;
        }
    }

    /// <summary>`DELETE /access/users/{userid}/token/{tokenid}` (PVE drops the token's ACL entries with it).</summary>
    internal async Task DeleteTokenAsync(string userId, string tokenId, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, TokenPath(userId, tokenId), null, ReadAllBytesAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (PveWriteOutcomeException unknown) when (unknown.Outcome == PveWriteOutcome.Unknown)
        {
            await VerifyWriteAsync(unknown, async ct => !await TokenExistsAsync(userId, tokenId, ct).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="token"/> shows every change of <paramref name="update"/>.</summary>
    internal static bool IsUpdated(PveTokenFields token, PveTokenUpdate update) =>
        (update.Comment is null || string.Equals(token.Comment, update.Comment, StringComparison.Ordinal)) &&
        (!update.DeleteComment || string.IsNullOrEmpty(token.Comment)) &&
        (update.Expire is null || (token.Expire ?? 0) == update.Expire) &&
        (update.PrivilegeSeparation is null || (token.PrivilegeSeparation ?? true) == update.PrivilegeSeparation);

    /// <summary>The token settings of a POST or PUT form: only those given (non-null) are sent.</summary>
    private static PveParameters TokenForm(string? comment, long? expire, bool? privsep)
    {
        var form = new PveParameters();
        if (comment is not null)
        {
            form.Add("comment", comment);
        }

        if (expire is long seconds)
        {
            form.Add("expire", seconds);
        }

        if (privsep is bool separated)
        {
            form.Add("privsep", separated);
        }

        return form;
    }

    private static string TokensPath(string userId) => "/access/users/" + Segment(userId) + "/token";

    private static string TokenPath(string userId, string tokenId) => TokensPath(userId) + "/" + Segment(tokenId);

    private static async Task<ReadOnlyMemory<byte>> ReadAllBytesAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
        var bytes = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, checked((int)buffer.Length));

        // A body cut short (or a proxy's HTML page) fails here, inside the call, where a read is retried
        // and a write's lost answer is checked, rather than later in the caller's parser.
        var reader = new System.Text.Json.Utf8JsonReader(bytes.Span);
        while (reader.Read())
        {
        }

        if (reader.BytesConsumed == 0 || reader.CurrentDepth != 0)
        {
            throw new System.Text.Json.JsonException("The answer is not complete JSON.");
        }

        return bytes;
    }
}

/// <summary>The settings of a token to create; null = not sent.</summary>
internal sealed class PveTokenSettings
{
    public string? Comment { get; set; }

    /// <summary>Epoch seconds; 0 = never.</summary>
    public long? Expire { get; set; }

    public bool? PrivilegeSeparation { get; set; }
}

/// <summary>The changes of one token update; a null field is not sent.</summary>
internal sealed class PveTokenUpdate
{
    /// <summary>A new, non-empty comment.</summary>
    public string? Comment { get; set; }

    /// <summary>Remove the comment (`delete=comment`).</summary>
    public bool DeleteComment { get; set; }

    /// <summary>Epoch seconds; 0 = never.</summary>
    public long? Expire { get; set; }

    public bool? PrivilegeSeparation { get; set; }

    /// <summary>`regenerate=1`: a new secret in place (libpve-access-control >= 9.1.0).</summary>
    public bool Regenerate { get; set; }
}
