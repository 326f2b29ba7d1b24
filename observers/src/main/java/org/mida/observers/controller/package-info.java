/** The observer adapter interface and the controller that runs observers (paper III-C). */
package org.mida.observers.controller;
