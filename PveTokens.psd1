@{
    RootModule           = 'PveTokens.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5b0e7f7c-3b9c-4d52-9a51-2f3a8d6c1e47'
    Author               = 'PveTokens contributors'
    CompanyName          = 'PveTokens contributors'
    Copyright            = '(c) PveTokens contributors. MIT License.'
    Description          = 'Administer Proxmox VE API tokens and the ACLs that give them rights: create, list, update, rotate and remove tokens, grant and explain permissions, across several clusters.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('PveTokens.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-PveServer'
        'ConvertTo-PveTokenHandoff'
        'Disconnect-PveServer'
        'Export-PveAccessPolicy'
        'Get-PveAccessPlan'
        'Get-PveAccessReport'
        'Get-PveAcl'
        'Get-PveApiToken'
        'Get-PveApiTokenAudit'
        'Get-PvePermission'
        'Get-PveRole'
        'Get-PveSession'
        'Get-PveUser'
        'Invoke-PveAccessPolicy'
        'Invoke-PveRestMethod'
        'New-PveApiToken'
        'Remove-PveAcl'
        'Remove-PveApiToken'
        'Reset-PveApiToken'
        'Set-PveAcl'
        'Set-PveSession'
        'Test-PveAccessPolicy'
        'Test-PveApiToken'
        'Update-PveApiToken'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Proxmox', 'PVE', 'ProxmoxVE', 'ApiToken', 'ACL', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/pvetokens/PveTokens'
            LicenseUri   = 'https://github.com/pvetokens/PveTokens/blob/main/LICENSE'
            ReleaseNotes = 'See https://github.com/pvetokens/PveTokens/blob/main/CHANGELOG.md'
        }
    }
}
