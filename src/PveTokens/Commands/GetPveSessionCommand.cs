// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>Lists the sessions open in this runspace, oldest first; IsDefault marks the default one.</summary>
[Cmdlet(VerbsCommon.Get, "PveSession")]
[OutputType(typeof(PveSession))]
public sealed class GetPveSessionCommand : PveCmdletBase
{
    /// <summary>Gets or sets whether to return only the default session.</summary>
    [Parameter]
    public SwitchParameter Default { get; set; }

    protected override void End()
    {
        SessionRegistry.RunspaceSessions sessions = SessionRegistry.Current;
        if (Default)
        {
            PveSession? session = sessions.Default;
            if (session is not null)
            {
                WriteObject(session);
            }

            return;
        }

        WriteObject(sessions.All, enumerateCollection: true);
    }
}
