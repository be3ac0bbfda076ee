// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// The sessions of each runspace (keyed on the runspace, so jobs and runspace pools don't share or
/// leak them) and which one is the default. Connect-PveServer makes a new session the default unless
/// -NoDefault; Set-PveSession -Default chooses one. When the default goes (disconnected, or no longer
/// chosen), the session that was the default before it takes over: a session connected with
/// -NoDefault never becomes the default by accident.
/// </summary>
internal static class SessionRegistry
{
    private static readonly ConditionalWeakTable<Runspace, RunspaceSessions> Table = new ConditionalWeakTable<Runspace, RunspaceSessions>();

    internal static RunspaceSessions Current => Table.GetValue(Runspace.DefaultRunspace, _ => new RunspaceSessions());

    internal sealed class RunspaceSessions
    {
        private readonly object _lock = new object();

        // In connect order.
        private readonly List<PveSession> _sessions = new List<PveSession>();

        // Sessions that were made the default, in that order: the default is the last element.
        private readonly List<PveSession> _defaults = new List<PveSession>();

        internal PveSession? Default
        {
            get
            {
                lock (_lock)
                {
                    return _defaults.Count == 0 ? null : _defaults[_defaults.Count - 1];
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

        /// <summary>The open session that <paramref name="isSame"/> matches, if one is registered.</summary>
        internal PveSession? Find(Func<PveSession, bool> isSame)
        {
            lock (_lock)
            {
                return _sessions.Find(s => isSame(s));
            }
        }

        /// <summary>Registers the session (once), and makes it the default when <paramref name="makeDefault"/>.</summary>
        internal void Add(PveSession session, bool makeDefault)
        {
            lock (_lock)
            {
                if (!_sessions.Contains(session))
                {
                    _sessions.Add(session);
                }

                if (makeDefault)
                {
                    _defaults.Remove(session);
                    _defaults.Add(session);
                }

                UpdateFlags();
            }
        }

        /// <summary>Makes a registered session the default (true) or stops it being the default (false).</summary>
        internal void SetDefault(PveSession session, bool isDefault)
        {
            lock (_lock)
            {
                _defaults.Remove(session);
                if (isDefault)
                {
                    _defaults.Add(session);
                }

                UpdateFlags();
            }
        }

        /// <summary>Whether the session is one of this runspace's.</summary>
        internal bool Contains(PveSession session)
        {
            lock (_lock)
            {
                return _sessions.Contains(session);
            }
        }

        /// <summary>Removes the session; when it was the default, the default before it takes over.</summary>
        internal bool Remove(PveSession session)
        {
            lock (_lock)
            {
                _defaults.Remove(session);
                bool removed = _sessions.Remove(session);
                session.IsDefault = false;
                UpdateFlags();
                return removed;
            }
        }

        private void UpdateFlags()
        {
            PveSession? current = _defaults.Count == 0 ? null : _defaults[_defaults.Count - 1];
            foreach (PveSession s in _sessions)
            {
                s.IsDefault = ReferenceEquals(s, current);
            }
        }
    }
}
