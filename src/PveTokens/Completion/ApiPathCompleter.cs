// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using PveTokens.Client;

namespace PveTokens.Completion;

/// <summary>
/// Completes Invoke-PveRestMethod -Path: the API's well-known paths, and below /access/users the
/// session's users and their tokens (asked only once the word reaches that far).
/// </summary>
internal sealed class ApiPathCompleter : IArgumentCompleter
{
    private const string UsersPrefix = "/access/users/";

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<CompletionCandidate> candidates = PveApiPath.WellKnown.Select(p => new CompletionCandidate(p));
        if ((wordToComplete ?? string.Empty).TrimStart('\'', '"').StartsWith(UsersPrefix, StringComparison.OrdinalIgnoreCase))
        {
            candidates = candidates.Concat(CompleterGuard.Fetch(fakeBoundParameters, session => CompletionSource.Users(session)
                .SelectMany(u => new[] { new CompletionCandidate(UsersPrefix + u.UserId), new CompletionCandidate(UsersPrefix + u.UserId + "/token") }
                    .Concat(u.TokenNames().Select(t => new CompletionCandidate($"{UsersPrefix}{u.UserId}/token/{t}", $"{u.UserId}!{t}"))))
                .ToList()));
        }

        return CompletionText.Complete(candidates, wordToComplete);
    }
}
