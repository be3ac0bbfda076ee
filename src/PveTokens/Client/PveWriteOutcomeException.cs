// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using PveTokens.Access;

namespace PveTokens.Client;

/// <summary>What is known about a write whose answer never arrived.</summary>
public enum PveWriteOutcome
{
    /// <summary>The request may or may not have been carried out, and reading back could not tell.</summary>
    Unknown,

    /// <summary>Reading back shows the change was not made: nothing changed.</summary>
    NotApplied,
}

/// <summary>
/// A write (POST, PUT, DELETE) that reached the server, or may have, but whose answer did not
/// arrive: the connection dropped after the request was sent, the call timed out, a gateway answered
/// 502/503/504 in PVE's place, or a 200 came with an unreadable body. Such a write is never sent
/// again blindly; the client reads back what it changes and reports <see cref="Outcome"/>
/// (a write found applied is no error at all).
/// </summary>
public sealed class PveWriteOutcomeException : Exception
{
    internal PveWriteOutcomeException(string method, string path, PveWriteOutcome outcome, string cause, string? verification, Exception? inner)
        : base(BuildMessage(method, path, outcome, cause, verification), inner)
    {
        Method = method;
        Path = path;
        Outcome = outcome;
        Cause = cause;
    }

    /// <summary>The HTTP method of the write.</summary>
    public string Method { get; }

    /// <summary>The API path of the write.</summary>
    public string Path { get; }

    /// <summary>Not applied, or unknown.</summary>
    public PveWriteOutcome Outcome { get; }

    /// <summary>What went wrong with the answer, e.g. "the connection was reset".</summary>
    public string Cause { get; }

    internal PveWriteOutcomeException With(PveWriteOutcome outcome, string? verification) =>
        new PveWriteOutcomeException(Method, Path, outcome, Cause, verification, InnerException);

    private static string BuildMessage(string method, string path, PveWriteOutcome outcome, string cause, string? verification)
    {
        string what = $"{method} {path} was sent, but its answer did not arrive ({cause.TrimEnd('.')})";
        return outcome switch
        {
            PveWriteOutcome.NotApplied => $"{what}; reading back shows the change was NOT applied, so nothing changed.",
            _ => verification is null
                ? $"{what}; whether the change was applied is unknown."
                : $"{what}; whether the change was applied is unknown ({verification.TrimEnd('.')}).",
        };
    }
}

/// <summary>
/// A token was created (or given a new secret), but the answer carrying its one-time secret never
/// arrived. PVE cannot show a secret again; <see cref="ResetCommand"/> gives the token a new one.
/// </summary>
public sealed class PveTokenSecretLostException : Exception
{
    internal PveTokenSecretLostException(string userId, string tokenId, bool created, string cause, Exception? inner)
        : base(BuildMessage(userId, tokenId, created, cause), inner)
    {
        UserId = userId;
        TokenId = tokenId;
        Created = created;
    }

    /// <summary>The owning user.</summary>
    public string UserId { get; }

    /// <summary>The token's own name.</summary>
    public string TokenId { get; }

    /// <summary>True when the token was created by the call (New); false when an existing token may have been given a new secret (Reset).</summary>
    public bool Created { get; }

    /// <summary>USER@REALM!TOKENID.</summary>
    public string FullTokenId => UserId + "!" + TokenId;

    /// <summary>The command that gives the token a new secret, ready to paste.</summary>
    public string ResetCommand => ResetCommandFor(UserId, TokenId);

    internal static string ResetCommandFor(string userId, string tokenId) =>
        $"Reset-PveApiToken -UserId '{userId.Replace("'", "''")}' -TokenId '{tokenId.Replace("'", "''")}'";

    private static string BuildMessage(string userId, string tokenId, bool created, string cause) => created
        ? $"The API token '{userId}!{tokenId}' was created, but its secret never arrived ({cause.TrimEnd('.')}); PVE cannot show it again. Give the token a new secret with: {ResetCommandFor(userId, tokenId)}"
        : $"The new secret of the API token '{userId}!{tokenId}' never arrived ({cause.TrimEnd('.')}), and the old secret may no longer work. Give the token a new secret with: {ResetCommandFor(userId, tokenId)}";
}
