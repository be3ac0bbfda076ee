// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The sessions of each runspace (keyed on the runspace, so jobs and runspace pools don't share or
/// leak them). The most recently connected open session is the default.
/// </summary>
internal static class SessionRegistry
{
    private static readonly ConditionalWeakTable<Runspace, RunspaceSessions> Table = new ConditionalWeakTable<Runspace, RunspaceSessions>();

    internal static RunspaceSessions Current => Table.GetValue(Runspace.DefaultRunspace, _ => new RunspaceSessions());

    internal sealed class RunspaceSessions
    {
        private readonly object _lock = new object();

        // In connect order; the default is the last element.
        private readonly List<PveSession> _sessions = new List<PveSession>();

        internal PveSession? Default
        {
            get
            {
                lock (_lock)
                {
                    return _sessions.Count == 0 ? null : _sessions[_sessions.Count - 1];
                }
            }
        }

        internal IReadOnlyList<PveSession> All
        {
            get
            {
                lock (_lock)
                {
                    return _sessions.ToArray();
                }
            }
        }

        /// <summary>Adds the session and makes it the default.</summary>
        internal void Add(PveSession session)
        {
            lock (_lock)
            {
                _sessions.Remove(session);
                _sessions.Add(session);
            }
        }

        /// <summary>Removes the session; the most recent remaining one becomes the default.</summary>
        internal bool Remove(PveSession session)
        {
            lock (_lock)
            {
                return _sessions.Remove(session);
            }
        }
    }
}
