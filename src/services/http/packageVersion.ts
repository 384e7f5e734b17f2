/** This package's name and version, sent as `x-amz-user-agent`; a test keeps it equal to package.json. */
export const PACKAGE_NAME = 'cognito-auth-machine';
export const PACKAGE_VERSION = '0.1.0';
