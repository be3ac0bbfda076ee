// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;

namespace PveTokens.Models;

/// <summary>Why an API token did or did not authenticate (Test-PveApiToken), in the order PVE checks.</summary>
public enum PveApiTokenTestReason
{
    /// <summary>The token authenticated.</summary>
    Authenticated = 0,

    /// <summary>The reason is not known: PVE 9.1.5 and later answer every failure with "Authentication failed!".</summary>
    Unknown = 1,

    /// <summary>The token's user does not exist.</summary>
    UnknownUser = 2,

    /// <summary>The token's user is disabled.</summary>
    UserDisabled = 3,

    /// <summary>The token's user has expired.</summary>
    UserExpired = 4,

    /// <summary>The user has no token of that name.</summary>
    UnknownToken = 5,

    /// <summary>The token has expired.</summary>
    TokenExpired = 6,

    /// <summary>The token exists and is valid, but the secret is not its secret.</summary>
    WrongSecret = 7,
}

/// <summary>Where Test-PveApiToken learned the reason.</summary>
public enum PveApiTokenTestReasonSource
{
    /// <summary>No reason is known (or none is needed: the token authenticated).</summary>
    None = 0,

    /// <summary>The server's 401 text said why (PVE before 9.1.5).</summary>
    Server = 1,

    /// <summary>The token's and its user's settings, read through another session to the same server.</summary>
    SessionMetadata = 2,
}

/// <summary>Whether a tested token holds one privilege on one path.</summary>
public sealed class PveApiTokenPrivilegeCheck
{
    internal PveApiTokenPrivilegeCheck(string path, string privilege, bool granted, bool propagate)
    {
        Path = path;
        Privilege = privilege;
        Granted = granted;
        Propagate = propagate;
    }

    /// <summary>The ACL path asked about, normalised.</summary>
    public string Path { get; }

    /// <summary>The privilege asked about, e.g. VM.PowerMgmt.</summary>
    public string Privilege { get; }

    /// <summary>Whether the token holds the privilege on the path.</summary>
    public bool Granted { get; }

    /// <summary>Whether the privilege also holds below the path (false when not granted).</summary>
    public bool Propagate { get; }

    /// <summary>"PATH PRIVILEGE granted|missing".</summary>
    public override string ToString() => $"{Path} {Privilege} {(Granted ? "granted" : "missing")}";
}

/// <summary>
/// The answer of Test-PveApiToken: whether the token authenticates on the server and, when
/// privileges were asked about, whether it holds them. It never holds the secret.
/// </summary>
public sealed class PveApiTokenTestResult
{
    internal PveApiTokenTestResult(string server, string userId, string tokenId)
    {
        Server = server;
        UserId = userId;
        TokenId = tokenId;
    }

    /// <summary>The full token id, <c>USER@REALM!TOKENID</c>.</summary>
    public string FullTokenId => UserId + "!" + TokenId;

    /// <summary>The token's user.</summary>
    public string UserId { get; }

    /// <summary>The token's own name.</summary>
    public string TokenId { get; }

    /// <summary>The server tested, <c>host:port</c>.</summary>
    public string Server { get; }

    /// <summary>Whether the token authenticated.</summary>
    public bool Authenticated { get; internal set; }

    /// <summary>Why it did not authenticate (Authenticated when it did; Unknown when the server does not say).</summary>
    public PveApiTokenTestReason Reason { get; internal set; }

    /// <summary>Where the reason comes from.</summary>
    public PveApiTokenTestReasonSource ReasonSource { get; internal set; }

    /// <summary>A sentence that explains the outcome, with the server's own text where it gave one.</summary>
    public string Message { get; internal set; } = string.Empty;

    /// <summary>The server's pve-manager version, when known (the token authenticated, or a session to the server knows it).</summary>
    public string? ServerVersion { get; internal set; }

    /// <summary>One entry per path and privilege asked about with -Privilege or -Requirement.</summary>
    public IReadOnlyList<PveApiTokenPrivilegeCheck> Privileges { get; internal set; } = Array.Empty<PveApiTokenPrivilegeCheck>();

    /// <summary>Each path and privilege asked about that the token lacks (the failed entries of Privileges).</summary>
    public PveApiTokenPrivilegeCheck[] Missing { get; internal set; } = Array.Empty<PveApiTokenPrivilegeCheck>();

    /// <summary>The privilege names of Missing, each once (which paths they are missing on is in Missing).</summary>
    public string[] MissingPrivileges { get; internal set; } = Array.Empty<string>();

    /// <summary>Whether the token authenticated and holds every privilege asked about on its path.</summary>
    public bool Passed { get; internal set; }

    /// <summary>"FULLTOKENID: Reason".</summary>
    public override string ToString() => $"{FullTokenId}: {Reason}";
}
