// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;

namespace PveTokens.Commands;

/// <summary>Lists the sessions open in this runspace.</summary>
[Cmdlet(VerbsCommon.Get, "PveSession")]
public sealed class GetPveSessionCommand : PSCmdlet
{
    protected override void EndProcessing()
    {
    }
}
