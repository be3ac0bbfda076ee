// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Management.Automation;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// What the five token cmdlets share: local checks of ids and expiry (made before any request), the
/// token-specific error ids layered on <see cref="ErrorMapper"/>, and building the output objects.
/// Error ids are public API: InvalidUserId, InvalidTokenId, ExpiryInPast, ConflictingExpiry,
/// TokenNotFound, UserNotFound, TokenAlreadyExists (plus the per-cmdlet ones documented there).
/// </summary>
internal static class PveApiTokenCommandSupport
{
    internal const string InvalidUserId = "InvalidUserId";
    internal const string InvalidTokenId = "InvalidTokenId";
    internal const string ExpiryInPast = "ExpiryInPast";
    internal const string ConflictingExpiry = "ConflictingExpiry";
    internal const string TokenNotFound = "TokenNotFound";
    internal const string UserNotFound = "UserNotFound";
    internal const string TokenAlreadyExists = "TokenAlreadyExists";

    /// <summary>
    /// The token a caller named, however it was named: -UserId with the token's own name in -TokenId,
    /// or a full token id (USER@REALM!TOKENID, as every view shows it and admins copy it) in -TokenId,
    /// or alone in -UserId (where a positional full id lands). InvalidUserId or InvalidTokenId, before
    /// any request, when the ids are invalid, contradict each other or name no user.
    /// </summary>
    internal static ErrorRecord? ResolveIds(string? userId, string? tokenId, out string user, out string name)
    {
        user = userId ?? string.Empty;
        name = tokenId ?? string.Empty;
        if (name.Length == 0 && user.IndexOf('!') >= 0)
        {
            name = user;
            user = string.Empty;
        }

        if (name.IndexOf('!') >= 0)
        {
            string full = name.Trim();
            string? problem = PveIdentifier.CheckFullTokenId(full, out string owner, out string tokenName);
            if (problem is not null)
            {
                return ErrorMapper.InvalidArgument(InvalidTokenId, problem, full);
            }

            if (user.Length > 0 && !string.Equals(user.Trim(), owner, StringComparison.Ordinal))
            {
                return ErrorMapper.InvalidArgument(InvalidTokenId,
                    $"The full token id '{full}' belongs to {owner}, but -UserId names '{InputEcho.Quote(user)}': give the full token id alone, or -UserId with the token's own name.",
                    full);
            }

            user = owner;
            name = tokenName;
            return null;
        }

        if (user.Length == 0)
        {
            return ErrorMapper.InvalidArgument(InvalidUserId, name.Length == 0
                ? "No token named: give its full id, -TokenId USER@REALM!TOKENID (e.g. -TokenId 'ci@pve!backup'), or -UserId and -TokenId."
                : $"The token '{InputEcho.Quote(name)}' needs its user: give -UserId, or the full token id USER@REALM!TOKENID as -TokenId.",
                name);
        }

        return CheckIds(user, name);
    }

    /// <summary>InvalidUserId or InvalidTokenId for ids PVE would refuse; null when both are valid.</summary>
    internal static ErrorRecord? CheckIds(string? userId, string? tokenId) => CheckUserId(userId) ?? CheckTokenId(tokenId, userId);

    internal static ErrorRecord? CheckUserId(string? userId)
    {
        string? problem = PveIdentifier.CheckUserId(userId ?? string.Empty);
        return problem is null ? null : ErrorMapper.InvalidArgument(InvalidUserId, problem, userId);
    }

    internal static ErrorRecord? CheckTokenId(string? tokenId, string? userId = null)
    {
        tokenId ??= string.Empty;
        string? problem = tokenId.Length == 0
            ? "The token id is empty: give the token's own name, e.g. -TokenId backup."
            : PveIdentifier.CheckTokenName(tokenId);
        return problem is null ? null : ErrorMapper.InvalidArgument(InvalidTokenId, problem, userId is null ? tokenId : userId + "!" + tokenId);
    }

    /// <summary>
    /// The epoch to send for -ExpiresAt/-ExpiresIn (null when neither is given). Refuses both at once
    /// (ConflictingExpiry) and a moment that is not in the future (ExpiryInPast).
    /// </summary>
    internal static ErrorRecord? ResolveExpiry(DateTime? expiresAt, TimeSpan? expiresIn, bool noExpiry, out long? expire)
    {
        expire = null;
        var named = new List<string>();
        if (expiresAt is not null)
        {
            named.Add("-ExpiresAt");
        }

        if (expiresIn is not null)
        {
            named.Add("-ExpiresIn");
        }

        if (noExpiry)
        {
            named.Add("-NoExpiry");
        }

        if (named.Count > 1)
        {
            return ErrorMapper.InvalidArgument(ConflictingExpiry,
                $"{string.Join(" and ", named)} both set the expiry: give only one of them.", null);
        }

        long now = PveEpoch.Now;
        if (expiresAt is DateTime at)
        {
            long epoch = PveEpoch.ToEpoch(at);
            if (epoch <= now)
            {
                return ErrorMapper.InvalidArgument(ExpiryInPast,
                    $"-ExpiresAt {at:yyyy-MM-dd HH:mm:ss} is not in the future: a token with that expiry could never be used. Give a later time, or -ExpiresIn.",
                    at);
            }

            expire = epoch;
        }
        else if (expiresIn is TimeSpan span)
        {
            if (span <= TimeSpan.Zero)
            {
                return ErrorMapper.InvalidArgument(ExpiryInPast,
                    $"-ExpiresIn {span} is not a positive time span: the token would expire at once. Give e.g. -ExpiresIn (New-TimeSpan -Days 90).",
                    span);
            }

            expire = checked(now + (long)Math.Ceiling(span.TotalSeconds));
        }
        else if (noExpiry)
        {
            expire = 0;
        }

        return null;
    }

    /// <summary>
    /// The ErrorRecord for a failed token call: TokenNotFound, UserNotFound and TokenAlreadyExists
    /// where PVE's answer says so, else whatever <see cref="ErrorMapper"/> makes of it.
    /// </summary>
    internal static ErrorRecord MapError(Exception e, string userId, string tokenId, PveSession session)
    {
        string fullId = userId + "!" + tokenId;
        ErrorRecord mapped = ErrorMapper.Map(e, fullId, session);
        if (e is not PveApiException api)
        {
            return mapped;
        }

        if (api.StatusCode == 500 && api.PveMessage.StartsWith("no such token", StringComparison.Ordinal))
        {
            return Specialize(mapped, TokenNotFound, ErrorCategory.ObjectNotFound, fullId,
                $"The user '{userId}' has no API token '{tokenId}' on {session.Server} (PVE: {api.PveMessage.Trim()}).",
                $"List the user's tokens with Get-PveApiToken -UserId {userId}.");
        }

        if (api.StatusCode == 500 && api.PveMessage.StartsWith("no such user", StringComparison.Ordinal))
        {
            return Specialize(mapped, UserNotFound, ErrorCategory.ObjectNotFound, fullId,
                $"There is no user '{userId}' on {session.Server} (PVE: {api.PveMessage.Trim()}).",
                "Check the user id and its realm (USER@REALM, e.g. ci@pve); Get-PveUser lists the users.");
        }

        if (api.StatusCode == 400 && api.Errors.TryGetValue("tokenid", out string? why) &&
            why.IndexOf("already exists", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            return Specialize(mapped, TokenAlreadyExists, ErrorCategory.ResourceExists, fullId,
                $"The API token '{fullId}' already exists on {session.Server}.",
                "Choose another token id, or give this one a new secret with Reset-PveApiToken.");
        }

        return mapped;
    }

    /// <summary>A record with its own id, category and text, keeping the mapped exception.</summary>
    internal static ErrorRecord Specialize(ErrorRecord mapped, string errorId, ErrorCategory category, object? target, string message, string? recommendedAction) =>
        Record(mapped.Exception, errorId, category, target, message, recommendedAction);

    /// <summary>An ErrorRecord whose details carry the message and the fix (PowerShell shows only the details).</summary>
    internal static ErrorRecord Record(Exception exception, string errorId, ErrorCategory category, object? target, string message, string? recommendedAction)
    {
        var record = new ErrorRecord(exception, errorId, category, ErrorMapper.SafeTarget(target));
        record.ErrorDetails = new ErrorDetails(ErrorMapper.DetailsText(message, recommendedAction)) { RecommendedAction = InputEcho.Scrub(recommendedAction) };
        return record;
    }

    /// <summary>"ci@pve!backup on https://pve1:8006/": the ShouldProcess target.</summary>
    internal static string Describe(string userId, string tokenId, PveSession session) => $"{userId}!{tokenId} on {session.Server}";

    /// <summary>Whether <paramref name="session"/> authenticates with this very token.</summary>
    internal static bool IsSessionToken(PveSession session, string userId, string tokenId) =>
        session.AuthMethod == PveAuthMethod.ApiToken && string.Equals(session.Identity, userId + "!" + tokenId, StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="session"/> is logged in (by ticket) as <paramref name="userId"/>: PVE checks
    /// the user on every ticket request, so the user is then known to be enabled and unexpired.
    /// </summary>
    internal static bool IsSessionUser(PveSession session, string userId) =>
        session.AuthMethod == PveAuthMethod.Ticket && string.Equals(session.Identity, userId, StringComparison.Ordinal);

    /// <summary>
    /// The owner's state for a token's status (`GET /access/users/{userid}`); nulls (status Unknown)
    /// when the session may not read the user and is not that user.
    /// </summary>
    internal static (bool? Enabled, long? Expire) ReadOwnerState(PveCmdletBase cmdlet, PveSession session, string userId)
    {
        try
        {
            PveUserFields owner = cmdlet.Run(ct => session.Client.GetUserAsync(userId, ct));
            return (owner.Enabled, owner.Expire);
        }
        catch (Exception e) when (ErrorMapper.Handles(e))
        {
            return IsSessionUser(session, userId) ? (true, 0) : (null, null);
        }
    }

    /// <summary>A token as PVE reported it; the owner's state only when the answer included it.</summary>
    internal static PveApiToken ToToken(string userId, string tokenId, PveTokenFields fields, PveSession session,
        bool? ownerEnabled = null, long? ownerExpire = null) =>
        new(userId, tokenId, fields.Comment, fields.Expire ?? 0, fields.PrivilegeSeparation ?? true, ownerEnabled, ownerExpire, session);

    /// <summary>
    /// The output of New and Reset: the server's answer, completed by what was asked where the answer
    /// is silent (POST's `info` only echoes the parameters that were sent).
    /// </summary>
    internal static PveApiTokenSecret ToSecret(string userId, string tokenId, PveTokenFields answer, PveTokenSettings? asked, PveSession session)
    {
        if (answer.Secret is null)
        {
            throw new System.Text.Json.JsonException($"PVE's answer for '{userId}!{tokenId}' carries no token secret ('value').");
        }

        string? comment = answer.Comment ?? asked?.Comment;
        long expire = answer.Expire ?? asked?.Expire ?? 0;
        bool privsep = answer.PrivilegeSeparation ?? asked?.PrivilegeSeparation ?? true;
        return new PveApiTokenSecret(userId, tokenId, comment, expire, privsep, answer.Secret, session);
    }
}
