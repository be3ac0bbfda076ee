// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Commands;
using PveTokens.Models;

namespace PveTokens.Completion;

/// <summary>
/// What the completers ask the server, cached per session for <see cref="Lifetime"/>. Completers run
/// on the pipeline thread of the completion request, so a fetch is waited for at most
/// <see cref="WaitLimit"/>; a slower answer still fills the cache for the next Tab. No session, a
/// closed one or a failing server give no results and no errors.
/// </summary>
internal static class CompletionSource
{
    internal static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FetchLimit = TimeSpan.FromSeconds(15);

    // Keyed on the session object: the cache goes away with the session, and sessions are per runspace.
    private static readonly ConditionalWeakTable<PveSession, SessionCache> Caches = new();

    /// <summary>The session the command line names with -Session, else the runspace's default; null if none is open.</summary>
    internal static PveSession? SessionFor(IDictionary? fakeBoundParameters)
    {
        object? bound = fakeBoundParameters is not null && fakeBoundParameters.Contains("Session") ? fakeBoundParameters["Session"] : null;
        PveSession? session = (bound is PSObject pso ? pso.BaseObject : bound) as PveSession;
        try
        {
            session ??= SessionRegistry.Current.Default;
        }
        catch (Exception e) when (e is InvalidOperationException || e is ArgumentException)
        {
            return null;
        }

        return session is { IsOpen: true } ? session : null;
    }

    internal static IReadOnlyList<PveUserFields> Users(PveSession session) =>
        Caches.GetValue(session, _ => new SessionCache()).Users.Get(async ct => (IReadOnlyList<PveUserFields>)(await session.Client.GetUsersAsync(ct).ConfigureAwait(false)).ToList())
        ?? Array.Empty<PveUserFields>();

    internal static IReadOnlyList<PveRoleFields> Roles(PveSession session) =>
        Caches.GetValue(session, _ => new SessionCache()).Roles.Get(ct => session.Client.GetRolesAsync(ct)) ?? Array.Empty<PveRoleFields>();

    internal static IReadOnlyList<AclEntry> Acl(PveSession session) =>
        Caches.GetValue(session, _ => new SessionCache()).Acl.Get(ct => session.Client.GetAclAsync(ct)) ?? Array.Empty<AclEntry>();

    internal static IReadOnlyList<string> Groups(PveSession session) =>
        Caches.GetValue(session, _ => new SessionCache()).Groups.Get(ct => session.Client.GetGroupIdsAsync(ct)) ?? Array.Empty<string>();

    internal static IReadOnlyList<RealmInfo> Realms(PveSession session) =>
        Caches.GetValue(session, _ => new SessionCache()).Realms.Get(ct => session.Client.GetRealmsAsync(ct)) ?? Array.Empty<RealmInfo>();

    /// <summary>The literal strings a bound parameter holds (string, string[], or PSObject of either); wildcards kept.</summary>
    internal static IReadOnlyList<string> BoundStrings(IDictionary? fakeBoundParameters, string name)
    {
        if (fakeBoundParameters is null || !fakeBoundParameters.Contains(name))
        {
            return Array.Empty<string>();
        }

        object? value = fakeBoundParameters[name];
        value = value is PSObject pso ? pso.BaseObject : value;
        return value switch
        {
            string s => new[] { s },
            IEnumerable items => items.Cast<object?>()
                .Select(i => (i is PSObject p ? p.BaseObject : i) as string)
                .Where(s => !string.IsNullOrEmpty(s))
                .Select(s => s!)
                .ToArray(),
            _ => Array.Empty<string>(),
        };
    }

    private sealed class SessionCache
    {
        internal Cached<IReadOnlyList<PveUserFields>> Users { get; } = new();

        internal Cached<IReadOnlyList<PveRoleFields>> Roles { get; } = new();

        internal Cached<IReadOnlyList<AclEntry>> Acl { get; } = new();

        internal Cached<IReadOnlyList<string>> Groups { get; } = new();

        internal Cached<IReadOnlyList<RealmInfo>> Realms { get; } = new();
    }

    /// <summary>One cached answer with the fetch that refreshes it.</summary>
    internal sealed class Cached<T>
        where T : class
    {
        private readonly object _lock = new();
        private T? _value;
        private DateTime _fetchedAt;
        private Task<T>? _fetch;

        internal T? Get(Func<CancellationToken, Task<T>> fetch)
        {
            Task<T> task;
            lock (_lock)
            {
                if (_value is not null && DateTime.UtcNow - _fetchedAt < Lifetime)
                {
                    return _value;
                }

                if (_fetch is null)
                {
                    var timeout = new CancellationTokenSource(FetchLimit);
                    _fetch = Task.Run(() => fetch(timeout.Token));
                    _fetch.ContinueWith(
                        t =>
                        {
                            timeout.Dispose();
                            lock (_lock)
                            {
                                // Observe failures here: a completer must never surface them.
                                if (t.Status == TaskStatus.RanToCompletion)
                                {
                                    _value = t.Result;
                                    _fetchedAt = DateTime.UtcNow;
                                }

                                _ = t.Exception;
                                _fetch = null;
                            }
                        },
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }

                task = _fetch ?? Task.FromResult(_value!);
            }

            try
            {
                if (task.Wait(WaitLimit) && task.Status == TaskStatus.RanToCompletion)
                {
                    return task.Result;
                }
            }
            catch (AggregateException)
            {
                // The server failed: no completions.
            }

            lock (_lock)
            {
                return _value;
            }
        }
    }
}
