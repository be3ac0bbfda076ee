// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Linq;

namespace PveTokens.Access;

/// <summary>
/// Why a token lacks privileges it was tested for, and which grant would give them: the usual
/// surprise is a token with privilege separation whose own ACL entries grant a role its user does
/// not hold (PVE intersects the two), or a token without it whose own entries PVE ignores.
/// </summary>
internal static class TokenShortfall
{
    /// <summary>The rule, for when the reads that would name the side that lacks a privilege cannot be made.</summary>
    internal const string Rule = "A token with privilege separation (the default) holds a privilege only where both its own ACL entries and its user's rights grant it.";

    /// <summary>
    /// One or two sentences naming who lacks each of <paramref name="missing"/> and what to grant,
    /// as the ACL entries in <paramref name="evaluator"/> show it; null when the token is not among
    /// the principals the reads could see.
    /// </summary>
    internal static string? Explain(PermissionEvaluator evaluator, string fullTokenId, IReadOnlyList<(string Path, string Privilege)> missing)
    {
        AccessPrincipal? token = evaluator.FindPrincipal(fullTokenId);
        AccessPrincipal? user = token is null ? null : evaluator.FindPrincipal(token.UserId);
        if (token?.Token is null || user is null || missing.Count == 0)
        {
            return null;
        }

        if (!token.Token.PrivilegeSeparation)
        {
            return $"{fullTokenId} has no privilege separation, so it has exactly the rights of its user {user.Id} (ACL entries naming the token are ignored): grant {List(missing)} to {user.Id}.";
        }

        var userLacks = new List<(string Path, string Privilege)>();
        var tokenLacks = new List<(string Path, string Privilege)>();
        foreach ((string path, string privilege) in missing)
        {
            bool userHolds = evaluator.Evaluate(user, path).TryGet(privilege, out _);
            (userHolds ? tokenLacks : userLacks).Add((path, privilege));
        }

        var sentences = new List<string>();
        if (userLacks.Count > 0)
        {
            sentences.Add($"Its user {user.Id} lacks {List(userLacks)}, and a token with privilege separation never holds more than its user: grant {Them(userLacks)} to {user.Id} too.");
        }

        if (tokenLacks.Count > 0)
        {
            sentences.Add($"No ACL entry grants {List(tokenLacks)} to the token itself (its user has {Them(tokenLacks)}): grant {Them(tokenLacks)} with Set-PveAcl -TokenId '{fullTokenId}'.");
        }

        return string.Join(" ", sentences);
    }

    private static string List(IReadOnlyList<(string Path, string Privilege)> pairs) =>
        string.Join(", ", pairs.GroupBy(p => p.Path, StringComparer.Ordinal).Select(g => string.Join(", ", g.Select(p => p.Privilege)) + " on " + g.Key));

    private static string Them(IReadOnlyList<(string Path, string Privilege)> pairs) => pairs.Count == 1 ? "it" : "them";
}
